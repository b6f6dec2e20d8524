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

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Hosts a <see cref="HostAgent"/> behind Kestrel: bearer-token check on every request (OpenAPI document included),
/// problem details for every error, OpenAPI at <c>/openapi/v1.json</c>. This is the agent process's composition root.
/// </summary>
public sealed class AgentServer : IAsyncDisposable
{
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
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.WebHost.UseUrls($"http://{listen}");
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.Services.AddSingleton(time);
        builder.Services.AddHttpClient<PeerClient>(http => http.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<HostAgent>();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var expected = Encoding.UTF8.GetBytes($"Bearer {options.Token}");
        app.Use(async (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
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
