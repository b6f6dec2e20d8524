using System.Net;
using Roost.Core.Migration;
using Roost.Core.Migration.Disk;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Disk;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The source's half of moving a VM's disk with its memory (CloudNet, Wood et al. VEE 2011, §3.3), run beside the
/// <see cref="SourceMigrationDriver"/>: a <see cref="DiskMigrationDriver"/> (the sans-I/O
/// <see cref="DiskMirrorMigration"/>) whose destination is the peer agent (its disk calls, with the migration's
/// ticket) and whose NBD target is an <see cref="NbdRelaySource"/> towards the destination's NBD relay, under a secret
/// derived from the migration's. The memory driver waits at its stream's start until the disk is synchronous
/// (<see cref="SynchronousAsync"/>) and at its confirmation until the disk machine completed (<see cref="Outcome"/>);
/// it tells this object how the memory ended (<see cref="MemoryEnded"/>). The disk machine's
/// <see cref="DiskOutput.StopMemory"/> calls the memory driver's stop (its machine's cancel). The relay plan's socket
/// directory (owner-only, made here) holds the NBD relay's socket.
/// </summary>
internal sealed class SourceDiskMove : IDiskDestination, IAsyncDisposable
{
    private readonly TaskCompletionSource<string?> _synchronous = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string?> _memoryEnd = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancel = new();
    private readonly Lock _gate = new();
    private readonly DiskMigrationDriver _driver;
    private readonly Uri _destination;
    private readonly string _ticket;
    private readonly string _vmId;
    private readonly byte[] _secret;
    private readonly SourceRelayPlan _plan;
    private readonly PeerClient _peers;
    private readonly TimeSpan _callTimeout;
    private readonly TimeProvider _time;
    private readonly Action _stopMemory;
    private NbdRelaySource? _relay;
    private Task<DiskOutcome>? _run;

    public SourceDiskMove(
        QemuVm vm, Uri destination, string ticket, byte[] relaySecret, SourceRelayPlan plan, PeerClient peers, DiskMigrationSettings settings, TimeProvider time, Action stopMemory)
    {
        _destination = destination;
        _ticket = ticket;
        _vmId = vm.Spec.Id;
        _secret = RelaySecrets.DiskSecret(relaySecret);
        _plan = plan;
        _peers = peers;
        _callTimeout = settings.StepTimeout;
        _time = time;
        _stopMemory = stopMemory;
        _driver = new DiskMigrationDriver(vm, this, Path.Combine(plan.SocketDirectory, "nbd.sock"), MoveMemoryAsync, settings, time);
    }

    /// <summary>Null once the disk is synchronous (the memory may move), else why the disk's move ended first.</summary>
    public Task<string?> SynchronousAsync => _synchronous.Task;

    /// <summary>How the disk's move ended (once started).</summary>
    public Task<DiskOutcome> Outcome => Volatile.Read(ref _run) ?? Task.FromResult<DiskOutcome>(new DiskOutcome.Aborted("the disk's move never started", DestinationCleaned: true));

    /// <summary>What the NBD relay carried, once it finished (null before).</summary>
    public async Task<RelayTraffic?> TrafficAsync() =>
        Volatile.Read(ref _relay) is { Completion.IsCompleted: true } relay ? (await relay.Completion.ConfigureAwait(false)).Traffic : null;

    /// <summary>Starts the disk's move (once; later calls do nothing).</summary>
    public void Start()
    {
        lock (_gate)
        {
            _run ??= RunAsync();
        }
    }

    /// <summary>Abandons the disk's move in whatever phase (the memory's migration was abandoned).</summary>
    public void Cancel()
    {
        lock (_gate)
        {
            if (!_cancel.IsCancellationRequested)
            {
                _cancel.Cancel();
            }
        }
    }

    /// <summary>The memory migration ended: null when it moved (the source is paused), else why not.</summary>
    public void MemoryEnded(string? failure) => _memoryEnd.TrySetResult(failure);

    async Task IDiskDestination.ExportAsync(CancellationToken cancellationToken)
    {
        var (port, failure) = await _peers.DiskAsync(_destination, _ticket, _vmId, DiskCall.Export, _callTimeout, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            throw new IOException(failure);
        }

        if (!MigrationTransport.TryTcp(_destination.Host, port, out var transport, out var error) || transport is not MigrationTransport.Tcp tcp)
        {
            throw new IOException($"the destination's disk export is not usable ({error})");
        }

        var address = await SourceMigrationDriver.ResolveAsync(tcp.Host, cancellationToken).ConfigureAwait(false);
        PrivateFiles.CreateDirectory(_plan.SocketDirectory);
        var relay = NbdRelaySource.Start(new IPEndPoint(address, tcp.Port), _secret, _plan.Codec, _plan.Timeouts, _time, _plan.SocketDirectory);
        if (Interlocked.Exchange(ref _relay, relay) is { } previous)
        {
            await previous.DisposeAsync().ConfigureAwait(false);
        }
    }

    async Task IDiskDestination.CloseExportAsync(CancellationToken cancellationToken)
    {
        // The NBD client disconnected (the target node was removed): the relay delivers the rest, then the export closes.
        if (Volatile.Read(ref _relay) is { } relay)
        {
            var delivered = await relay.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!delivered.Completed)
            {
                throw new IOException($"the source's NBD relay did not deliver the whole mirror: {delivered.Failure}");
            }
        }

        await CallAsync(DiskCall.Close, cancellationToken).ConfigureAwait(false);
    }

    async Task IDiskDestination.DiscardAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _relay) is { } relay)
        {
            await relay.AbortAsync("the disk's move is abandoned").ConfigureAwait(false);
        }

        await CallAsync(DiskCall.Discard, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _memoryEnd.TrySetResult("the migration is over");
        if (_run is not null)
        {
            await _run.ConfigureAwait(false);
        }

        _driver.Dispose();
        _cancel.Dispose();
        if (Interlocked.Exchange(ref _relay, null) is { } relay)
        {
            await relay.DisposeAsync().ConfigureAwait(false);
        }

        if (Directory.Exists(_plan.SocketDirectory))
        {
            Directory.Delete(_plan.SocketDirectory, recursive: true);
        }
    }

    private async Task<DiskOutcome> RunAsync()
    {
        var outcome = await _driver.RunAsync(_cancel.Token).ConfigureAwait(false);
        _synchronous.TrySetResult(outcome is DiskOutcome.Aborted aborted ? $"the disk's move ended: {aborted.Reason}" : "the disk's move ended before the memory started");
        return outcome;
    }

    /// <summary>The disk machine's memory phase: lets the memory driver start, then waits for its end (or stops it).</summary>
    private async Task<string?> MoveMemoryAsync(CancellationToken cancellationToken)
    {
        _synchronous.TrySetResult(null);
        await using var stop = cancellationToken.Register(() =>
        {
            if (!_memoryEnd.Task.IsCompleted)
            {
                _stopMemory();
            }
        });
        return await _memoryEnd.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CallAsync(DiskCall call, CancellationToken cancellationToken)
    {
        if ((await _peers.DiskAsync(_destination, _ticket, _vmId, call, _callTimeout, cancellationToken).ConfigureAwait(false)).Failure is { } failure)
        {
            throw new IOException(failure);
        }
    }
}
