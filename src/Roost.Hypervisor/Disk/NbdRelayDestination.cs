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
    private readonly Socket _listener;
    private readonly EndPoint _qemuEndpoint;
    private readonly RelayDestinationSession _session;
    private readonly NbdRelayLink _link;

    private NbdRelayDestination(byte[] secret, Socket listener, EndPoint qemu, RelayTimeouts timeouts, TimeProvider time)
    {
        _listener = listener;
        _qemuEndpoint = qemu;
        _session = new RelayDestinationSession(secret, RandomNumberGenerator.GetBytes(RelaySecrets.NonceBytes), 1, FrameCompressors.Decompressors());
        _link = new NbdRelayLink(new RelayConnections(timeouts, time, () => _session.Traffic, () => _session.IsCompleted), _session, timeouts, "the source's relay", "the destination QEMU's NBD export");
        _link.Connections.Track(listener);
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public Task<RelayResult> Completion => _link.Connections.Completion;

    /// <summary>Listens on <paramref name="address"/> (port chosen by the system); the NBD export is at <paramref name="qemuSocketPath"/>.</summary>
    public static NbdRelayDestination Start(IPAddress address, ReadOnlySpan<byte> secret, string qemuSocketPath, RelayTimeouts timeouts, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentException.ThrowIfNullOrEmpty(qemuSocketPath);
        ArgumentNullException.ThrowIfNull(timeouts);
        ArgumentNullException.ThrowIfNull(time);
        var relay = new NbdRelayDestination(secret.ToArray(), NbdRelayLink.Listen(new IPEndPoint(address, 0)), new UnixDomainSocketEndPoint(qemuSocketPath), timeouts, time);
        _ = relay.RunAsync();
        return relay;
    }

    public ValueTask DisposeAsync() => _link.DisposeAsync();

    private Task RunAsync() => _link.RunAsync(async () =>
    {
        var peer = _link.Peer = await _link.AcceptAsync(_listener, "the source's relay").ConfigureAwait(false);
        peer.NoDelay = true;
        await _link.PumpPeerAsync(bytes => ApplyAsync(s => s.FromPeer(bytes.Span)), () => ApplyAsync(s => s.PeerClosed())).ConfigureAwait(false);
    });

    private Task ApplyAsync(Func<RelayDestinationSession, IReadOnlyList<RelayOutput>> step) =>
        _link.ApplyAsync(() => step(_session), async output =>
        {
            switch (output)
            {
                case RelayOutput.Opened:
                    // The source proved the secret: connect to the export and pump its replies back.
                    _link.Qemu = await _link.ConnectAsync(_qemuEndpoint).ConfigureAwait(false);
                    _ = _link.PumpQemuAsync(bytes => ApplyAsync(s => s.FromQemu(0, bytes.Span)), () => Task.CompletedTask);
                    break;
                case RelayOutput.Completed:
                    _link.Connections.Finish();
                    break;
                default:
                    break;
            }
        });
}
