using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Roost.Controller.Control;
using Roost.Controller.Security;
using Roost.Controller.Store;

namespace Roost.Controller;

/// <summary>A started controller: where it listens, its token, store and loop (for tests); dispose to stop it.</summary>
public sealed class RunningController : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal RunningController(WebApplication app, Uri address, TokenStore tokens, IControllerStore store, ControlLoop loop)
    {
        _app = app;
        Address = address;
        Tokens = tokens;
        Store = store;
        Loop = loop;
    }

    public Uri Address { get; }

    public TokenStore Tokens { get; }

    public IControllerStore Store { get; }

    public ControlLoop Loop { get; }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
