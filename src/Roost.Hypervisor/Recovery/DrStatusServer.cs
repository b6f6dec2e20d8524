using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Roost.Core.Recovery;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// <c>roost dr serve --status-listen</c>: <c>GET /status</c> (JSON <see cref="DrSiteStatus"/>) behind a bearer token
/// compared in constant time; every other request and a missing or wrong token get an RFC 7807 problem. Read-only:
/// nothing a request says reaches the journal.
/// </summary>
public sealed class DrStatusServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DrStatusServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>The base URL it listens on (the real port when 0 was asked for).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts listening on <paramref name="listen"/> (<c>address:port</c>, port 0 picks a free one).</summary>
    public static async Task<DrStatusServer> StartAsync(string listen, string token, Func<DrSiteStatus> status, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(status);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{listen}");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        });
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        var expected = Encoding.UTF8.GetBytes($"Bearer {token}");
        app.Use(async (context, next) =>
        {
            var given = Encoding.UTF8.GetBytes(context.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                var detail = given.Length == 0 ? "no 'Authorization: Bearer <token>' header" : "the bearer token is wrong";
                await Results.Problem(detail: $"{context.Request.Method} /status: {detail}", statusCode: 401, title: "Unauthorized").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
        app.MapGet("/status", () => Results.Json(status()));
        app.MapFallback((HttpContext context) => Results.Problem(detail: $"{context.Request.Method}: only GET /status is served here", statusCode: 404, title: "Not Found"));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new DrStatusServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
