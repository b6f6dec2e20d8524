using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Roost.Core.Recovery;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// The cloud site's replication manager as a TCP server (<c>roost dr serve</c>): primary sites connect and send
/// write frames; one loop owns the <see cref="ReplicationManager"/> and the <see cref="ReplicaStore"/>, handles every
/// frame that has arrived, makes the appended writes durable with one fsync per journal (group commit), and only then
/// sends the acks. Frames are authenticated (HMAC with the shared key); a bad frame closes its connection.
/// </summary>
public sealed class ReplicationServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ReplicationFrameCodec _codec;
    private readonly ReplicaStore _store;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly long _start;
    private readonly DateTimeOffset _startUtc;
    private readonly ReplicationManagerOptions _options;
    private readonly HashSet<int> _protected;
    private readonly Dictionary<int, int> _connections = [];
    private readonly Lock _connectionsLock = new();
    private readonly Dictionary<long, DateTimeOffset> _checkpointTimes = [];
    private volatile DrSiteStatus _status;

    /// <summary>Fences asked for (<see cref="FenceAndExportAsync"/>): where to export, and who waits.</summary>
    private readonly ConcurrentDictionary<int, (string Path, TaskCompletionSource<long?> Done)> _exports = new();

    /// <summary>VMs declared lost in the batch being applied: told to <see cref="PrimaryLost"/> once its status is published.</summary>
    private readonly List<int> _lostVms = [];

    /// <summary>Loss and recovery lines of the batch being applied: written once the status that shows them is published.</summary>
    private readonly List<string> _statusLines = [];
    // Back-pressure: a connection stops reading while the loop is this many frames behind (each at most
    // ReplicationFrameCodec.MaxFrameBytes), so memory is bounded by frames queued, not by how fast peers send or
    // how often a primary resends what it has no ack for while fsync is slow.
    private const int MaxQueuedInputs = 1024;

    private readonly Channel<(ManagerInput Input, ReplicationConnection? From)> _inputs = Channel.CreateBounded<(ManagerInput, ReplicationConnection?)>(
        new BoundedChannelOptions(MaxQueuedInputs) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly CancellationTokenSource _stop = new();
    private readonly ReplicationManager _manager;
    private readonly Task _loop;
    private readonly Task _accept;

    private ReplicationServer(Socket listener, ReadOnlySpan<byte> key, ReplicaStore store, ReplicationManager manager, ReplicationManagerOptions options, TimeProvider time, Action<string> log)
    {
        _listener = listener;
        _codec = new ReplicationFrameCodec(key);
        _store = store;
        _manager = manager;
        _options = options;
        _time = time;
        _log = log;
        _start = time.GetTimestamp();
        _startUtc = time.GetUtcNow();
        _protected = [.. manager.Replicas.Select(r => r.Disk.Vm.Value)];
        _status = Snapshot();
        _inputs.Writer.TryWrite((new ManagerInput.Started(TimeSpan.Zero), null));
        _loop = Task.Run(LoopAsync);
        _accept = Task.Run(AcceptAsync);
    }

    public IPEndPoint LocalEndPoint => (IPEndPoint)(_listener.LocalEndPoint ?? throw new InvalidOperationException("not listening"));

    /// <summary>The writes of each VM durable at this site now.</summary>
    public DependencyVector Applied => _manager.Applied;

    public ReplicaStore Store => _store;

    /// <summary>
    /// Every protected VM as of the last batch the loop handled (safe to read from any thread): what
    /// <c>GET /status</c> serves.
    /// </summary>
    public DrSiteStatus Status
    {
        get
        {
            var status = _status;
            lock (_connectionsLock)
            {
                // Connections open and close outside the loop: read them now rather than as of the last batch.
                return status with { Vms = [.. status.Vms.Select(v => v with { Connected = _connections.GetValueOrDefault(v.Vm) > 0 })] };
            }
        }
    }

    /// <summary>
    /// Called (on the server's loop, after the status shows it) with each VM whose primary is declared lost. It must not
    /// block: a failover on loss starts its work elsewhere.
    /// </summary>
    public Action<int>? PrimaryLost { get; set; }

    /// <summary>
    /// Fences <paramref name="vm"/> (no write of its old primary is applied after) and exports its replica at the
    /// applied point to <paramref name="path"/> (0600): the image a failover boots. Returns that write number, or
    /// null when the VM is not protected here. Journal failures throw <see cref="IOException"/>.
    /// </summary>
    public async Task<long?> FenceAndExportAsync(int vm, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var done = new TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_exports.TryAdd(vm, (path, done)))
        {
            throw new InvalidOperationException($"VM {vm}: a fence is already under way");
        }

        try
        {
            await _inputs.Writer.WriteAsync((new ManagerInput.Fence(new Core.Model.VmId(vm), _time.GetElapsedTime(_start)), null), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _exports.TryRemove(vm, out _);
            throw;
        }

        return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Ends when the server stops or fails; faults with the reason of a failure.</summary>
    public Task Completion => Task.WhenAll(_loop, _accept);

    public static ReplicationServer Start(IPEndPoint listen, ReadOnlySpan<byte> key, string directory, IReadOnlyList<ProtectedDisk> disks, ReplicationManagerOptions options, TimeProvider time, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(disks);
        ArgumentNullException.ThrowIfNull(time);
        var store = new ReplicaStore(directory, disks);
        var manager = new ReplicationManager(options, disks, store.Recover());
        var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(listen);
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            store.Dispose();
            throw;
        }

        return new ReplicationServer(listener, key, store, manager, options, time, log);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        _inputs.Writer.TryComplete();

        // A failure has already been reported through Completion; disposing only waits for the tasks to end.
        await Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _store.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ReadAsync(new ReplicationConnection(socket, _codec));
        }
    }

    private async Task ReadAsync(ReplicationConnection connection)
    {
        // The protected VMs this connection has sent for: "connected" in the status while it is open.
        var sending = new HashSet<int>();
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                while (await connection.ReadAsync(_stop.Token).ConfigureAwait(false) is { } message)
                {
                    if (VmOf(message) is { } vm && _protected.Contains(vm) && sending.Add(vm))
                    {
                        lock (_connectionsLock)
                        {
                            _connections[vm] = _connections.GetValueOrDefault(vm) + 1;
                        }
                    }

                    await _inputs.Writer.WriteAsync((new ManagerInput.Received(message, _time.GetElapsedTime(_start)), connection), _stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or SocketException)
            {
                _log($"roost dr serve: {e.Message}; connection closed");
            }
            catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
            {
            }
            finally
            {
                lock (_connectionsLock)
                {
                    foreach (var vm in sending)
                    {
                        _connections[vm]--;
                    }
                }
            }
        }
    }

    /// <summary>The VM a write or heartbeat is for (what makes a connection a primary sending for it); null for other messages.</summary>
    private static int? VmOf(ReplicationMessage message) => message switch
    {
        ReplicationMessage.Write w => w.Vm.Value,
        ReplicationMessage.Heartbeat h => h.Vm.Value,
        _ => null,
    };

    private DateTimeOffset Wall(TimeSpan sinceStart) => _startUtc + sinceStart;

    private DrSiteStatus Snapshot()
    {
        var checkpoints = _manager.Checkpoints;
        var last = checkpoints.Count > 0 ? checkpoints[^1] : null;
        var now = _time.GetElapsedTime(_start);
        var vms = _manager.Replicas.Select(r => new DrVmStatus(
            r.Disk.Vm.Value,
            r.Disk.SizeBytes,
            r.Applied,
            r.Issued,
            r.Lag,
            last?.Id,
            last?.Applied[r.Disk.Vm],
            last is not null && _checkpointTimes.TryGetValue(last.Id, out var taken) ? taken : null,
            false,
            r.LastContact is { } contact ? Wall(contact) : null,
            r.Lost,
            r.Mode is { } mode ? ReplicationModes.Name(mode) : null,
            r.CaughtUpAt is { } caught ? Wall(caught) : null,
            r.CaughtUpAt is { } from ? Math.Max(0, ((r.Lost && r.LastContact is { } heard ? heard : now) - from).TotalSeconds) : null,
            r.Lost ? DrVmStates.Lost : DrVmStates.Protected)).ToList();
        return new DrSiteStatus(_time.GetUtcNow(), _options.CheckpointInterval.TotalSeconds, _options.RetainCheckpoints, checkpoints.Count, _options.LossAfter?.TotalSeconds, vms);
    }

    private async Task LoopAsync()
    {
        try
        {
            await ApplyAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The journal failed (a full disk, a file gone): stop accepting and reading, so Completion ends with the
            // reason instead of the server taking frames nobody applies. Nothing unflushed was acknowledged.
            await _stop.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task ApplyAsync()
    {
        var acks = new List<(ReplicationConnection? To, byte[] Frame)>();
        while (await _inputs.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
        {
            // Group commit: everything that has arrived is applied, then one fsync per journal, then the acks.
            while (_inputs.Reader.TryRead(out var item))
            {
                foreach (var output in _manager.Handle(item.Input))
                {
                    Execute(output, item.From, acks);
                }
            }

            _store.Flush();

            // The status first, so whoever has an ack in hand, or has read a loss line, reads a status that covers it.
            _status = Snapshot();
            foreach (var line in _statusLines)
            {
                _log(line);
            }

            _statusLines.Clear();
            foreach (var vm in _lostVms)
            {
                PrimaryLost?.Invoke(vm);
            }

            _lostVms.Clear();
            foreach (var group in acks.GroupBy(a => a.To))
            {
                if (group.Key is { } to)
                {
                    try
                    {
                        await to.SendAsync([.. group.Select(a => a.Frame)], _stop.Token).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                    {
                        // The primary went away; it resends what it has no ack for when it reconnects.
                    }
                }
            }

            acks.Clear();
        }
    }

    private void Execute(ManagerOutput output, ReplicationConnection? from, List<(ReplicationConnection?, byte[])> acks)
    {
        switch (output)
        {
            case ManagerOutput.Append append:
                _store.Append(append.Write);
                break;
            case ManagerOutput.Send send:
                acks.Add((from, _codec.Encode(send.Message)));
                break;
            case ManagerOutput.CheckpointTaken taken:
                _store.RecordCheckpoint(taken.Checkpoint);
                _checkpointTimes[taken.Checkpoint.Id] = Wall(taken.Checkpoint.At);
                break;
            case ManagerOutput.CheckpointDropped dropped:
                _store.DropCheckpoint(dropped.Id, dropped.Base);
                _checkpointTimes.Remove(dropped.Id);
                break;
            case ManagerOutput.PrimaryLost lost:
                _statusLines.Add(string.Create(CultureInfo.InvariantCulture,
                    $"roost dr serve: primary of {lost.Vm} lost: silent for {(lost.Now - lost.LastContact).TotalSeconds:0.0} s since its last contact at {Wall(lost.LastContact):yyyy-MM-ddTHH:mm:ss.fffZ}; applied through write {lost.Applied}{(lost.Issued is { } issued ? $" of {issued} issued by then" : "")} (a failover now boots from write {lost.Applied})"));
                _lostVms.Add(lost.Vm.Value);
                break;
            case ManagerOutput.Fenced fenced:
                Export(fenced);
                break;
            case ManagerOutput.PrimaryBack back:
                _statusLines.Add($"roost dr serve: primary of {back.Vm} heard from again");
                break;
            case ManagerOutput.ArmLiveness arm:
                _ = PostLaterAsync(arm.After, now => new ManagerInput.LivenessDue(now));
                break;
            case ManagerOutput.Refused refused:
                _log($"roost dr serve: refused a write for {refused.Vm} from {from?.Peer ?? "?"}: {refused.Reason}");
                break;
            case ManagerOutput.ArmCheckpoint arm:
                _ = PostLaterAsync(arm.After, now => new ManagerInput.CheckpointDue(now));
                break;
            default:
                throw new InvalidOperationException($"unknown manager output {output}");
        }
    }

    /// <summary>The export a fence asked for, on the loop (it owns the store): everything applied is flushed first.</summary>
    private void Export(ManagerOutput.Fenced fenced)
    {
        if (!_exports.TryRemove(fenced.Vm.Value, out var export))
        {
            return;
        }

        if (fenced.Applied is not { } applied)
        {
            export.Done.SetResult(null);
            return;
        }

        try
        {
            _store.Export(fenced.Vm, applied, export.Path);
            _log(string.Create(CultureInfo.InvariantCulture, $"roost dr serve: {fenced.Vm} fenced at write {applied}; its replica exported for a failover"));
            export.Done.SetResult(applied);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            export.Done.SetException(new IOException($"{fenced.Vm}: exporting the replica to {export.Path}: {e.Message}", e));
        }
    }

    private async Task PostLaterAsync(TimeSpan after, Func<TimeSpan, ManagerInput> input)
    {
        try
        {
            await Task.Delay(after, _time, _stop.Token).ConfigureAwait(false);
            await _inputs.Writer.WriteAsync((input(_time.GetElapsedTime(_start)), null), _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
        }
    }
}
