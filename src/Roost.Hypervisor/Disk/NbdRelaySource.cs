using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration.Disk;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Disk;

/// <summary>
/// The source end of a disk migration's NBD connection through Roost's relay (CloudNet: the disk goes through the same
/// deduplicating relay as the memory). The source QEMU's NBD client (the mirror's target node) connects to an
/// owner-only Unix socket; its requests go to the destination's relay as relay frames, the blocks of each write
/// deduplicated against the session's keyed content index, delta-encoded and compressed
/// (<see cref="NbdRequestParser"/>, <see cref="RelaySourceSession"/>); the destination's NBD replies come back
/// unchanged. Any failure closes every connection: the mirror job fails and the disk migration aborts.
/// </summary>
public sealed class NbdRelaySource : IAsyncDisposable
{
    private readonly RelaySourceSession _session;
    private readonly NbdRequestParser _parser = new();
    private readonly Socket _listener;
    private readonly IPEndPoint _destination;
    private readonly RelayTimeouts _timeouts;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RelayConnections _connections;
    private Socket? _peer;
    private Socket? _qemu;

    private NbdRelaySource(RelayCodecOptions options, ReadOnlySpan<byte> secret, Socket listener, IPEndPoint destination, RelayTimeouts timeouts, TimeProvider time)
    {
        _session = new RelaySourceSession(options, secret, RandomNumberGenerator.GetBytes(RelaySecrets.NonceBytes), 1, FrameCompressors.For(options.Compression, options.CompressionLevel), _ => _parser);
        _listener = listener;
        _destination = destination;
        _timeouts = timeouts;
        _time = time;
        _connections = new RelayConnections(timeouts, time, () => _session.Traffic, () => _session.IsCompleted);
        _connections.Track(listener);
    }

    /// <summary>The Unix socket the source QEMU's NBD client connects to.</summary>
    public string SocketPath { get; private init; } = "";

    public Task<RelayResult> Completion => _connections.Completion;

    /// <summary>NBD write requests and 4 KiB blocks seen so far.</summary>
    public (long Writes, long Blocks) Requests => (_parser.Writes, _parser.Blocks);

    /// <summary>
    /// Listens at <c>nbd.sock</c> in <paramref name="socketDirectory"/> (which must be owner-only) for the source QEMU;
    /// once it connects, connects to the destination's relay at <paramref name="destination"/>.
    /// </summary>
    public static NbdRelaySource Start(IPEndPoint destination, ReadOnlySpan<byte> secret, RelayCodecOptions options, RelayTimeouts timeouts, TimeProvider time, string socketDirectory)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeouts);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentException.ThrowIfNullOrEmpty(socketDirectory);
        var path = Path.Combine(socketDirectory, "nbd.sock");
        File.Delete(path);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var relay = new NbdRelaySource(options, secret, listener, destination, timeouts, time) { SocketPath = path };
        _ = relay.RunAsync();
        return relay;
    }

    public async Task AbortAsync(string reason)
    {
        await ApplyAsync(s => s.Abort(reason)).ConfigureAwait(false);
        _connections.Fail(reason);
    }

    public ValueTask DisposeAsync() => _connections.ShutdownAsync(_gate, _session);

    private async Task RunAsync()
    {
        try
        {
            _qemu = await AcceptQemuAsync().ConfigureAwait(false);
            _peer = await NbdRelayLink.ConnectAsync(_destination, _connections, _timeouts).ConfigureAwait(false);
            var reader = NbdRelayLink.PumpAsync(_peer, _connections, _timeouts.Idle, bytes => ApplyAsync(s => s.FromPeer(bytes.Span)), () => ApplyAsync(s => s.PeerClosed()), "the destination's relay");
            await ApplyAsync(s => s.Start()).ConfigureAwait(false);
            await _opened.Task.WaitAsync(_timeouts.Handshake, _time, _connections.Stop.Token).ConfigureAwait(false);
            await NbdRelayLink.PumpAsync(_qemu, _connections, Timeout.InfiniteTimeSpan, bytes => ApplyAsync(s => s.FromQemu(0, bytes.Span)), () => ApplyAsync(s => s.QemuEnded(0)), "the source QEMU").ConfigureAwait(false);
            if (_session.IsCompleted)
            {
                _peer.Shutdown(SocketShutdown.Send);
                await reader.WaitAsync(_timeouts.Idle, _time, _connections.Stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            _connections.Fail(e is OperationCanceledException ? "the relay was shut down" : e.Message);
        }
        finally
        {
            _connections.Finish();
        }
    }

    private async Task<Socket> AcceptQemuAsync()
    {
        using var accept = CancellationTokenSource.CreateLinkedTokenSource(_connections.Stop.Token);
        accept.CancelAfter(_timeouts.Connect);
        try
        {
            var qemu = await _listener.AcceptAsync(accept.Token).ConfigureAwait(false);
            _connections.Track(qemu);
            return qemu;
        }
        catch (OperationCanceledException) when (!_connections.Stop.IsCancellationRequested)
        {
            throw new TimeoutException($"the source QEMU's NBD client did not connect within {_timeouts.Connect.TotalSeconds:0} s");
        }
        finally
        {
            File.Delete(SocketPath);
            _listener.Dispose();
        }
    }

    private async Task ApplyAsync(Func<RelaySourceSession, IReadOnlyList<RelayOutput>> step)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var output in step(_session))
            {
                switch (output)
                {
                    case RelayOutput.SendToPeer send when _peer is { } peer:
                        await _connections.SendAsync(peer, send.Bytes, "the destination's relay").ConfigureAwait(false);
                        break;
                    case RelayOutput.DeliverToQemu deliver when _qemu is { } qemu:
                        await _connections.SendAsync(qemu, deliver.Bytes, "the source QEMU").ConfigureAwait(false);
                        break;
                    case RelayOutput.Opened:
                        _opened.TrySetResult();
                        break;
                    case RelayOutput.Failed failed:
                        _connections.Fail(failed.Reason);
                        break;
                    default:
                        break;
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }
}
