using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Roost.Core.Model;
using Roost.Core.Recovery;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// The primary site's end: a <see cref="Replicator"/> driven by one loop, connected over TCP to the cloud site's
/// <see cref="ReplicationServer"/> (reconnecting when the link drops; unacknowledged writes are resent by the
/// replicator's timer). <see cref="WriteAsync"/> finishes when the mode lets the write complete,
/// <see cref="PacketAsync"/> when the packet may leave.
/// </summary>
public sealed class ReplicationClient : IAsyncDisposable
{
    private readonly IPEndPoint _server;
    private readonly ReplicationFrameCodec _codec;
    private readonly Replicator _replicator;
    private readonly TimeProvider _time;
    private readonly Action<string> _log;
    private readonly Channel<ReplicatorInput> _inputs = Channel.CreateUnbounded<ReplicatorInput>(new() { SingleReader = true });
    private readonly ConcurrentDictionary<(int, long), TaskCompletionSource> _writes = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<bool>> _packets = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private ReplicationConnection? _connection;
    private long _nextRequest;
    private long _nextPacket;

    public ReplicationClient(IPEndPoint server, ReadOnlySpan<byte> key, ReplicatorOptions options, IEnumerable<VmId> vms, TimeProvider time, Action<string> log)
    {
        _server = server;
        _codec = new ReplicationFrameCodec(key);
        _replicator = new Replicator(options, vms);
        _time = time;
        _log = log;
        _inputs.Writer.TryWrite(new ReplicatorInput.HeartbeatDue());
        _loop = Task.Run(LoopAsync);
    }

    public Task Completion => _loop;

    public Task WriteAsync(VmId vm, long offset, ReadOnlyMemory<byte> data)
    {
        var request = Interlocked.Increment(ref _nextRequest);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _writes[(vm.Value, request)] = done;
        _inputs.Writer.TryWrite(new ReplicatorInput.GuestWrite(vm, request, offset, data));
        return done.Task;
    }

    /// <summary>True when the packet left (or reached <paramref name="to"/>), false when the egress buffer dropped it.</summary>
    public Task<bool> PacketAsync(VmId vm, VmId? to)
    {
        var packet = Interlocked.Increment(ref _nextPacket);
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _packets[packet] = done;
        _inputs.Writer.TryWrite(new ReplicatorInput.GuestPacket(vm, packet, to));
        return done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _inputs.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        var frames = new List<byte[]>();
        _ = ConnectAsync();
        while (await _inputs.Reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
        {
            while (_inputs.Reader.TryRead(out var input))
            {
                foreach (var output in _replicator.Handle(input))
                {
                    Execute(output, frames);
                }
            }

            if (frames.Count > 0 && _connection is { } connection)
            {
                try
                {
                    await connection.SendAsync(frames, _stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                {
                    Disconnected(connection, e.Message);
                }
            }

            frames.Clear();
        }
    }

    private void Execute(ReplicatorOutput output, List<byte[]> frames)
    {
        switch (output)
        {
            case ReplicatorOutput.Send send:
                frames.Add(_codec.Encode(send.Message));
                break;
            case ReplicatorOutput.CompleteWrite complete:
                if (_writes.TryRemove((complete.Vm.Value, complete.Request), out var write))
                {
                    write.TrySetResult();
                }

                break;
            case ReplicatorOutput.ReleasePacket release:
                Finish(release.Packet, true);
                break;
            case ReplicatorOutput.DeliverInternal deliver:
                Finish(deliver.Packet, true);
                break;
            case ReplicatorOutput.DropPacket drop:
                Finish(drop.Packet, false);
                break;
            case ReplicatorOutput.ArmRetransmit arm:
                _ = PostLaterAsync(arm.After, new ReplicatorInput.RetransmitDue());
                break;
            case ReplicatorOutput.SendHeartbeat heartbeat:
                frames.Add(_codec.Encode(heartbeat.Message));
                break;
            case ReplicatorOutput.ArmHeartbeat arm:
                _ = PostLaterAsync(arm.After, new ReplicatorInput.HeartbeatDue());
                break;
            default:
                throw new InvalidOperationException($"unknown replicator output {output}");
        }
    }

    private void Finish(long packet, bool sent)
    {
        if (_packets.TryRemove(packet, out var done))
        {
            done.TrySetResult(sent);
        }
    }

    private async Task PostLaterAsync(TimeSpan after, ReplicatorInput input)
    {
        try
        {
            await Task.Delay(after, _time, _stop.Token).ConfigureAwait(false);
            _inputs.Writer.TryWrite(input);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ConnectAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var socket = new Socket(_server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(_server, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, _stop.Token).ConfigureAwait(false);
                continue;
            }

            var connection = new ReplicationConnection(socket, _codec);
            _connection = connection;
            _inputs.Writer.TryWrite(new ReplicatorInput.Connected());
            _inputs.Writer.TryWrite(new ReplicatorInput.RetransmitDue());
            try
            {
                while (await connection.ReadAsync(_stop.Token).ConfigureAwait(false) is { } message)
                {
                    _inputs.Writer.TryWrite(new ReplicatorInput.Received(message));
                }
            }
            catch (Exception e) when (e is InvalidDataException or IOException or SocketException)
            {
                _log($"roost dr: {e.Message}");
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Disconnected(connection, "the cloud site closed the connection");
        }
    }

    private void Disconnected(ReplicationConnection connection, string why)
    {
        if (Interlocked.CompareExchange(ref _connection, null, connection) == connection)
        {
            _log($"roost dr: {why}; reconnecting");
            _ = connection.DisposeAsync().AsTask();
        }
    }
}
