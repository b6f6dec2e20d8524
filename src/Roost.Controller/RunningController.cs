using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Roost.Controller.Control;
using Roost.Controller.Security;
using Roost.Controller.Store;

namespace Roost.Controller;

/// <summary>A started controller (active or standby): where it listens, its role, store and loop (for tests); dispose to stop it.</summary>
public sealed class RunningController : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Task _standby;
    private int _disposed;

    internal RunningController(WebApplication app, Uri address, ControllerRole role, IControllerStore store, ControlLoop loop, Task standby, Recovery.DrSiteMonitor dr)
    {
        _app = app;
        _standby = standby;
        Address = address;
        Role = role;
        Store = store;
        Loop = loop;
        Dr = dr;
    }

    public Uri Address { get; }

    public ControllerRole Role { get; }

    /// <summary>The bearer token of an active controller.</summary>
    public TokenStore Tokens => Role.Tokens ?? throw new InvalidOperationException($"the controller is {Role.Current}, not active: it has no token yet");

    public IControllerStore Store { get; }

    public ControlLoop Loop { get; }

    /// <summary>The DR sites' last statuses (<c>--dr-site</c>); tests poll it themselves.</summary>
    public Recovery.DrSiteMonitor Dr { get; }

    /// <summary>Why the controller stopped by itself (lost its writer lock, could not take over); null otherwise.</summary>
    public string? Failure => Role.Current == RoleState.Stopped ? Role.Reason : null;

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _standby.ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);

        // The loop has stopped: release the writer lock last, so a standby takes over only once nothing here acts.
        Role.Tokens?.Dispose();
        if (Role.Writer is { } writer)
        {
            await writer.DisposeAsync().ConfigureAwait(false);
        }

        await Store.DisposeAsync().ConfigureAwait(false);
    }
}
