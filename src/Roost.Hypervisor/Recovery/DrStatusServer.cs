using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Roost.Core.Network;
using Roost.Core.Recovery;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// <c>roost dr serve --status-listen</c>: <c>GET /status</c> (JSON <see cref="DrSiteStatus"/>) and, when the site
/// can act (<see cref="IDrSiteActions"/>), <c>POST /vms/{vm}/failover</c> and <c>POST /vms/{vm}/failback</c> (body
/// <c>{"to":"ADDRESS:PORT"}</c>, an IP literal), behind a bearer token compared in constant time; every other request,
/// a bad body and a missing or wrong token get an RFC 7807 problem. Nothing a request says reaches the journal, a
/// shell or a path: the VM is a number looked up among the protected ones, the address is parsed as an IP end point.
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
    public static async Task<DrStatusServer> StartAsync(string listen, string token, Func<DrSiteStatus> status, CancellationToken cancellationToken, IDrSiteActions? actions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        ArgumentNullException.ThrowIfNull(status);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{listen}");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxBodyBytes;
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
        if (actions is not null)
        {
            app.MapPost("/vms/{vm:int}/failover", (int vm) => Answer(actions.Failover(vm, "command"), vm, "failover", status));
            app.MapPost("/vms/{vm:int}/failback", async (int vm, HttpContext context) =>
                await ReadToAsync(context).ConfigureAwait(false) is { } to
                    ? Answer(actions.Failback(vm, to), vm, "failback", status)
                    : Results.Problem(detail: $"POST /vms/{vm}/failback: the body must be JSON {{\"to\":\"ADDRESS:PORT\"}} naming the recovered primary's 'roost dr failback --listen'", statusCode: 400, title: "Bad Request"));
        }

        var served = actions is null ? "only GET /status is served here" : "GET /status, POST /vms/{vm}/failover and POST /vms/{vm}/failback are served here";
        app.MapFallback((HttpContext context) => Results.Problem(detail: $"{context.Request.Method} {PrintablePath(context)}: {served}", statusCode: 404, title: "Not Found"));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new DrStatusServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    /// <summary>The largest request body read (a failback's address).</summary>
    public const int MaxBodyBytes = 4096;

    private static IResult Answer(DrActionResult result, int vm, string action, Func<DrSiteStatus> status) => result switch
    {
        DrActionResult.Started => Results.Json(status().Vms.First(v => v.Vm == vm), statusCode: 202),
        DrActionResult.UnknownVm => Results.Problem(detail: $"POST /vms/{vm}/{action}: VM {vm} is not protected at this site", statusCode: 404, title: "Not Found"),
        DrActionResult.Conflict conflict => Results.Problem(detail: $"POST /vms/{vm}/{action}: {conflict.Reason}", statusCode: 409, title: "Conflict"),
        _ => throw new InvalidOperationException($"unknown action result {result}"),
    };

    /// <summary>The <c>to</c> of a failback body: an IP end point with a port, or null for anything else.</summary>
    private static async Task<IPEndPoint?> ReadToAsync(HttpContext context)
    {
        try
        {
            var body = await JsonSerializer.DeserializeAsync<FailbackBody>(context.Request.Body, _json, context.RequestAborted).ConfigureAwait(false);
            return EndPointText.TryParse(body?.To, out var to) ? to : null;
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            return null;
        }
    }

    private static string PrintablePath(HttpContext context)
    {
        var path = context.Request.Path.ToString();
        return path.Length <= 80 && path.All(c => c is >= ' ' and < (char)127) ? path : "(a path)";
    }

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    private sealed record FailbackBody(string? To);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
