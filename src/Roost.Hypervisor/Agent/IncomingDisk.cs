using System.Net;
using Roost.Hypervisor.Disk;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The destination's half of moving an incoming VM's disk: the incoming QEMU exports its (empty, owner-only) disk over
/// NBD on a Unix socket in the owner-only <paramref name="socketDirectory"/> (<see cref="LocalDiskDestination"/>), and
/// an <see cref="NbdRelayDestination"/> on the migration address feeds it what the source's NBD relay proves it may
/// send. Closing waits until the relay delivered the source's whole mirror, then stops the NBD server; only then may
/// the guest be adopted (<see cref="IsClosedWhole"/>). Calls are serialised; each is allowed once, in order.
/// </summary>
internal sealed class IncomingDisk(string socketDirectory) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private LocalDiskDestination? _export;
    private NbdRelayDestination? _relay;
    private bool _closed;
    private bool _disposed;

    /// <summary>Whether the export is open (exported, not yet closed or released).</summary>
    public bool IsExported => Volatile.Read(ref _relay) is not null && !IsClosedWhole;

    /// <summary>Whether the export was opened and closed after the relay delivered the whole mirror.</summary>
    public bool IsClosedWhole => Volatile.Read(ref _closed);

    /// <summary>Exports the disk of <paramref name="vm"/> and starts the NBD relay on <paramref name="address"/>; returns its port.</summary>
    public async Task<int> ExportAsync(QemuVm vm, IPAddress address, byte[] secret, RelayTimeouts timeouts, TimeProvider time, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_export is not null || _disposed)
            {
                throw new InvalidOperationException("the disk was already exported");
            }

            PrivateFiles.CreateDirectory(socketDirectory);
            var socket = Path.Combine(socketDirectory, "export.sock");
            _export = new LocalDiskDestination(vm, socket);
            await _export.ExportAsync(cancellationToken).ConfigureAwait(false);
            _relay = NbdRelayDestination.Start(address, secret, socket, timeouts, time);
            return _relay.Port;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Waits (up to <paramref name="wait"/>) for the relay to deliver the whole mirror, then closes the export.</summary>
    public async Task CloseAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_export is null || _relay is null || _closed || _disposed)
            {
                throw new InvalidOperationException(_closed ? "the disk export is closed already" : "the disk is not exported");
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(wait);
            var delivered = await _relay.Completion.WaitAsync(deadline.Token).ConfigureAwait(false);
            if (!delivered.Completed)
            {
                throw new IOException($"the NBD relay did not deliver the whole mirror: {delivered.Failure}");
            }

            await _export.CloseExportAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _closed, true);
        }
        finally
        {
            _gate.Release();
        }

        await ReleaseAsync().ConfigureAwait(false);
    }

    /// <summary>Stops the relay and removes the socket directory (the disk file goes with the incoming QEMU).</summary>
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await ReleaseAsync().ConfigureAwait(false);
    }

    private async Task ReleaseAsync()
    {
        if (Interlocked.Exchange(ref _relay, null) is { } relay)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
        }

        try
        {
            Directory.Delete(socketDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Never made, or released already.
        }
    }
}
