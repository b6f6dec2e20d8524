using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Microsoft.Extensions.Logging;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

public static partial class SettingsEndpoints
{
    public static IEndpointRouteBuilder MapSettingsEndpoints(this IEndpointRouteBuilder app)
    {
        var settings = app.MapGroup("/api/settings").WithTags("Settings");
        settings.MapGet("/", GetSettings);
        settings.MapPut("/", PutSettings).Accepts<SettingsRequest>("application/json");
        settings.MapPatch("/", PatchSettings).Accepts<SettingsPatchRequest>("application/json");
        app.MapPost("/api/token/rotate", RotateToken).WithTags("Settings").ProducesProblems(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Ok<SettingsDto>> GetSettings(IControllerStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(SettingsDto.From(await store.GetSettingsAsync(cancellationToken) ?? ControllerSettings.Default));

    /// <summary>Replaces every setting.</summary>
    private static async Task<Results<Ok<SettingsDto>, ProblemHttpResult>> PutSettings(
        HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, ApiWriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<SettingsRequest, ControllerSettings>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var settings, out var problem))
        {
            return problem;
        }

        using (await gate.EnterAsync(cancellationToken))
        {
            await SaveAsync(settings, store, time, cancellationToken);
        }

        loop.Nudge();
        return TypedResults.Ok(SettingsDto.From(settings));
    }

    /// <summary>Changes the settings given and keeps the others; patches run one at a time, so none undoes another.</summary>
    private static async Task<Results<Ok<SettingsDto>, ProblemHttpResult>> PatchSettings(
        HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, ApiWriteGate gate, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<SettingsPatchRequest, SettingsPatch>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var patch, out var problem))
        {
            return problem;
        }

        ControllerSettings settings;
        using (await gate.EnterAsync(cancellationToken))
        {
            settings = patch.ApplyTo(await store.GetSettingsAsync(cancellationToken) ?? ControllerSettings.Default);
            await SaveAsync(settings, store, time, cancellationToken);
        }

        loop.Nudge();
        return TypedResults.Ok(SettingsDto.From(settings));
    }

    private static async Task SaveAsync(ControllerSettings settings, IControllerStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        await store.SaveSettingsAsync(settings, cancellationToken);
        await store.AddEventAsync(
            time.GetUtcNow(),
            NewEvent.Info("settings", NewEvent.Controller, $"mode {settings.Mode.ToString().ToLowerInvariant()}, threshold {settings.Threshold:0.###}, at most {settings.MaxConcurrentMigrations} concurrent migrations, placement {System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(settings.Placement.ToString())} (operator)"),
            cancellationToken);
    }

    /// <summary>
    /// A new token, in force and in DATA/token when answered. Rotations run one at a time; one that waited 5 s for
    /// another gets 409. A token file that cannot be written gets 503 and leaves the old token in force.
    /// </summary>
    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RotateToken(
        ControllerRole role, IControllerStore store, TimeProvider time, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        if (role.Tokens is not { } tokens)
        {
            return Problems.Unavailable("this controller is not active");
        }

        string? token;
        try
        {
            token = await tokens.RotateAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Problems.Unavailable($"the token file could not be written, the old token stays in force: {StoreFailureHandler.OneLine(e)}");
        }

        if (token is null)
        {
            return Problems.Conflict("another token rotation is under way; try again");
        }

        try
        {
            await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info("security", NewEvent.Controller, "bearer token rotated"), cancellationToken);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or IOException)
        {
            // The token changed: the caller must learn it even when the event cannot be stored.
            LogEventLost(logs.CreateLogger("Roost.Controller.Api"), StoreFailureHandler.OneLine(e));
        }

        return TypedResults.Ok(new TokenResponse(token));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "bearer token rotated; its event could not be stored: {Reason}")]
    private static partial void LogEventLost(ILogger logger, string reason);
}
