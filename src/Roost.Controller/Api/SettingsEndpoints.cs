using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Roost.Controller.Security;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

public static class SettingsEndpoints
{
    public static IEndpointRouteBuilder MapSettingsEndpoints(this IEndpointRouteBuilder app)
    {
        var settings = app.MapGroup("/api/settings").WithTags("Settings");
        settings.MapGet("/", GetSettings);
        settings.MapPut("/", PutSettings).Accepts<SettingsRequest>("application/json");
        app.MapPost("/api/token/rotate", RotateToken).WithTags("Settings");
        return app;
    }

    private static async Task<Ok<SettingsDto>> GetSettings(IControllerStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(SettingsDto.From(await store.GetSettingsAsync(cancellationToken) ?? ControllerSettings.Default));

    private static async Task<Results<Ok<SettingsDto>, ProblemHttpResult>> PutSettings(
        HttpRequest request, ControllerOptions options, IControllerStore store, ControlLoop loop, TimeProvider time, CancellationToken cancellationToken)
    {
        var input = await RequestBody.ReadAsync<SettingsRequest, ControllerSettings>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var settings, out var problem))
        {
            return problem;
        }

        await store.SaveSettingsAsync(settings, cancellationToken);
        await store.AddEventAsync(
            time.GetUtcNow(),
            "settings",
            $"mode {settings.Mode.ToString().ToLowerInvariant()}, threshold {settings.Threshold:0.###}, at most {settings.MaxConcurrentMigrations} concurrent migrations (operator)",
            cancellationToken);
        loop.Nudge();
        return TypedResults.Ok(SettingsDto.From(settings));
    }

    private static async Task<Ok<TokenResponse>> RotateToken(TokenStore tokens, IControllerStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var token = await tokens.RotateAsync(cancellationToken);
        await store.AddEventAsync(time.GetUtcNow(), "security", "bearer token rotated", cancellationToken);
        return TypedResults.Ok(new TokenResponse(token));
    }
}
