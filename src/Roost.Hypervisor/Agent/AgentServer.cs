using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Roost.Hypervisor.Logging;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Hosts a <see cref="HostAgent"/> behind Kestrel: bearer-token check on every request (OpenAPI document included),
/// problem details for every error, OpenAPI at <c>/openapi/v1.json</c>. This is the agent process's composition root.
/// </summary>
public sealed class AgentServer : IAsyncDisposable
{
    private const string OwnerKey = "roost.owner";

    private readonly WebApplication _app;
    private int _disposed;

    private AgentServer(WebApplication app, HostAgent agent)
    {
        _app = app;
        Agent = agent;
    }

    public HostAgent Agent { get; }

    /// <summary>The base URL the server listens on (the real port when 0 was asked for).</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Starts listening on <paramref name="listen"/> (<c>host:port</c>; port 0 picks a free one).</summary>
    public static async Task<AgentServer> StartAsync(AgentOptions options, string listen, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.AddOneLineConsole(options.LogFormat).SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.WebHost.UseUrls($"http://{listen}");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = JsonBody.MaxDrainBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = context =>
        {
            // Problems the framework writes itself (no route, wrong method, wrong content type) get the one line of
            // detail every agent problem has.
            var request = context.HttpContext.Request;
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                415 => $"{request.Method} {AgentEndpoints.Printable(request.Path)}: body must be application/json, not '{AgentEndpoints.Printable(request.ContentType ?? "nothing")}'",
                var status => $"{request.Method} {AgentEndpoints.Printable(request.Path)}: {context.ProblemDetails.Title ?? status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "error"}",
            };
        });
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.NumberHandling = AgentJson.Options.NumberHandling;
            json.SerializerOptions.Converters.Add(AgentJson.EnumConverter());
        });
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton(new PeerClient(options.PeerConnectTimeout));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<HostAgent>();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var expected = Encoding.UTF8.GetBytes($"Bearer {options.Token}");
        app.Use(async (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            var owner = CryptographicOperations.FixedTimeEquals(given, expected);
            context.Items[OwnerKey] = owner;

            // A peer's migration ticket opens the incoming endpoints only; they check it against the VM themselves.
            var path = context.Request.Path;
            var ticketPath = path.StartsWithSegments("/api/incoming", StringComparison.Ordinal) && !path.StartsWithSegments("/api/incoming/tickets", StringComparison.Ordinal);
            if (!owner && !(ticketPath && BearerOf(context) is not null))
            {
                var detail = given.Length == 0
                    ? $"{context.Request.Method} {context.Request.Path}: no 'Authorization: Bearer <token>' header"
                    : $"{context.Request.Method} {context.Request.Path}: the bearer token is wrong";
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await AgentProblem.Unauthorized(detail).ToResult(context.Request.Path).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapOpenApi();
        app.MapAgentEndpoints();
        app.MapMemtestEndpoints();

        var agent = app.Services.GetRequiredService<HostAgent>();
        await agent.RecoverAsync(cancellationToken).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new AgentServer(app, agent) { BaseAddress = new Uri(address.TrimEnd('/') + "/") };
    }

    /// <summary>Whether the request carries this agent's own token (rather than, say, a peer's migration ticket).</summary>
    internal static bool IsOwner(Microsoft.AspNetCore.Http.HttpContext context) => context.Items[OwnerKey] is true;

    /// <summary>The bearer credential of the request, if it has one of a sane length.</summary>
    internal static string? BearerOf(Microsoft.AspNetCore.Http.HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.Ordinal) && header.Length is > 7 and <= 7 + MigrationTicket.MaxLength ? header[7..] : null;
    }

    /// <summary>Waits until the host shuts the server down (Ctrl-C in the CLI).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    /// <summary>Stops listening, then destroys every VM this agent runs.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await Agent.DisposeAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
