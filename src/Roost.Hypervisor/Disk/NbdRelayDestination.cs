using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Disk;

/// <summary>
/// The destination end of a disk migration's NBD connection through the relay: listens for the source's relay, takes
/// the first connection and lets it through only if it proves the migration's secret (else the relay fails: one
/// try), then connects to the destination QEMU's NBD export (a Unix socket in an owner-only directory), hands it the
/// rebuilt requests (every block checked against its digest before a byte reaches QEMU) and sends its replies back.
/// </summary>
public sealed class NbdRelayDestination : IAsyncDisposable
{
    private readonly byte[] _secret;
    private readonly TcpListener _listener;
    private readonly EndPoint _qemuEndpoint;
    private readonly RelayTimeouts _timeouts;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RelayConnections _connections;
    private readonly RelayDestinationSession _session;
    private Socket? _peer;
    private Socket? _qemu;

    private NbdRelayDestination(byte[] secret, TcpListener listener, EndPoint qemu, RelayTimeouts timeouts, TimeProvider time)
    {
        _secret = secret;
        _listener = listener;
        _qemuEndpoint = qemu;
        _timeouts = timeouts;
        _time = time;
        _session = new RelayDestinationSession(_secret, RandomNumberGenerator.GetBytes(RelaySecrets.NonceBytes), 1, FrameCompressors.Decompressors());
        _connections = new RelayConnections(timeouts, time, () => _session.Traffic, () => _session.IsCompleted);
        _connections.Track(listener);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Task<RelayResult> Completion => _connections.Completion;

    /// <summary>Listens on <paramref name="address"/> (port chosen by the system); the NBD export is at <paramref name="qemuSocketPath"/>.</summary>
    public static NbdRelayDestination Start(IPAddress address, ReadOnlySpan<byte> secret, string qemuSocketPath, RelayTimeouts timeouts, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrEmpty(qemuSocketPath);
        ArgumentNullException.ThrowIfNull(timeouts);
        ArgumentNullException.ThrowIfNull(time);
        var listener = new TcpListener(address, 0);
        listener.Start(1);
        var relay = new NbdRelayDestination(secret.ToArray(), listener, new UnixDomainSocketEndPoint(qemuSocketPath), timeouts, time);
        _ = relay.RunAsync();
        return relay;
    }

    public ValueTask DisposeAsync() => _connections.ShutdownAsync(_gate, _session);

    private async Task RunAsync()
    {
        try
        {
            using (var accept = CancellationTokenSource.CreateLinkedTokenSource(_connections.Stop.Token))
            {
                accept.CancelAfter(_timeouts.Connect);
                try
                {
                    _peer = await _listener.AcceptSocketAsync(accept.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!_connections.Stop.IsCancellationRequested)
                {
                    throw new TimeoutException($"the source's relay did not connect within {_timeouts.Connect.TotalSeconds:0} s");
                }
            }

            _listener.Stop();
            _peer.NoDelay = true;
            _connections.Track(_peer);
            await NbdRelayLink.PumpAsync(_peer, _connections, _timeouts.Idle, bytes => ApplyAsync(s => s.FromPeer(bytes.Span)), () => ApplyAsync(s => s.PeerClosed()), "the source's relay").ConfigureAwait(false);
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

    /// <summary>Once the source proved the secret: connect to the export and pump its replies back.</summary>
    private async Task OpenQemuAsync()
    {
        _qemu = await NbdRelayLink.ConnectAsync(_qemuEndpoint, _connections, _timeouts).ConfigureAwait(false);
        _ = NbdRelayLink.PumpAsync(_qemu, _connections, Timeout.InfiniteTimeSpan, bytes => ApplyAsync(s => s.FromQemu(0, bytes.Span)), () => Task.CompletedTask, "the destination QEMU's NBD export");
    }

    private async Task ApplyAsync(Func<RelayDestinationSession, IReadOnlyList<RelayOutput>> step)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var output in step(_session))
            {
                switch (output)
                {
                    case RelayOutput.SendToPeer send when _peer is { } peer:
                        await _connections.SendAsync(peer, send.Bytes, "the source's relay").ConfigureAwait(false);
                        break;
                    case RelayOutput.Opened:
                        await OpenQemuAsync().ConfigureAwait(false);
                        break;
                    case RelayOutput.DeliverToQemu deliver when _qemu is { } qemu:
                        await _connections.SendAsync(qemu, deliver.Bytes, "the destination QEMU's NBD export").ConfigureAwait(false);
                        break;
                    case RelayOutput.CloseQemu when _qemu is { } qemu:
                        try
                        {
                            qemu.Shutdown(SocketShutdown.Send);
                        }
                        catch (SocketException)
                        {
                            // The export closed first (after the client's NBD_CMD_DISC): nothing is left to tell it.
                        }

                        break;
                    case RelayOutput.Completed:
                        _connections.Finish();
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
