using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Roost.Controller.Tests.Recovery;

/// <summary>
/// An HTTP listener on 127.0.0.1 port 0 that is not a site: it records the Authorization header of every request and
/// answers <see cref="Code"/> with <see cref="Body"/> (for the bounds on what a site may answer).
/// </summary>
internal sealed class RecordingListener : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingListener(WebApplication app)
    {
        _app = app;
    }

    public string Address { get; private set; } = "";

    public ConcurrentQueue<string> Authorizations { get; } = new();

    public int Code { get; set; } = StatusCodes.Status401Unauthorized;

    public byte[] Body { get; set; } = [];

    public static async Task<RecordingListener> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var listener = new RecordingListener(app);
        app.Run(async context =>
        {
            listener.Authorizations.Enqueue(context.Request.Headers.Authorization.ToString());
            context.Response.StatusCode = listener.Code;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(listener.Body);
        });
        await app.StartAsync();
        var url = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        listener.Address = $"127.0.0.1:{url.Port}";
        return listener;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
