using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration.Disk;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Qemu;
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
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly NbdRelayLink _link;

    private NbdRelaySource(RelayCodecOptions options, ReadOnlySpan<byte> secret, Socket listener, IPEndPoint destination, RelayTimeouts timeouts, TimeProvider time)
    {
        _session = new RelaySourceSession(options, secret, RandomNumberGenerator.GetBytes(RelaySecrets.NonceBytes), 1, FrameCompressors.For(options.Compression, options.CompressionLevel), _ => _parser);
        _listener = listener;
        _destination = destination;
        _timeouts = timeouts;
        _time = time;
        _link = new NbdRelayLink(new RelayConnections(timeouts, time, () => _session.Traffic, () => _session.IsCompleted), _session, timeouts, "the destination's relay", "the source QEMU");
        _link.Connections.Track(listener);
    }

    /// <summary>The Unix socket the source QEMU's NBD client connects to.</summary>
    public string SocketPath { get; private init; } = "";

    public Task<RelayResult> Completion => _link.Connections.Completion;

    /// <summary>NBD write requests and 4 KiB blocks seen so far.</summary>
    public (long Writes, long Blocks) Requests => (_parser.Writes, _parser.Blocks);

    /// <summary>
    /// Listens at <c>nbd.sock</c> in <paramref name="socketDirectory"/> (which must be owner-only, else an
    /// <see cref="IOException"/>) for the source QEMU; once it connects, connects to the destination's relay at
    /// <paramref name="destination"/>.
    /// </summary>
    public static NbdRelaySource Start(IPEndPoint destination, ReadOnlySpan<byte> secret, RelayCodecOptions options, RelayTimeouts timeouts, TimeProvider time, string socketDirectory)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeouts);
        ArgumentNullException.ThrowIfNull(time);
        PrivateFiles.RequireOwnerOnlyDirectory(socketDirectory);
        var path = Path.Combine(socketDirectory, "nbd.sock");
        var relay = new NbdRelaySource(options, secret, NbdRelayLink.Listen(new UnixDomainSocketEndPoint(path)), destination, timeouts, time) { SocketPath = path };
        _ = relay.RunAsync();
        return relay;
    }

    public async Task AbortAsync(string reason)
    {
        await ApplyAsync(s => s.Abort(reason)).ConfigureAwait(false);
        _link.Connections.Fail(reason);
    }

    public ValueTask DisposeAsync() => _link.DisposeAsync();

    private Task RunAsync() => _link.RunAsync(async () =>
    {
        _link.Qemu = await _link.AcceptAsync(_listener, "the source QEMU's NBD client").ConfigureAwait(false);
        var peer = _link.Peer = await _link.ConnectAsync(_destination).ConfigureAwait(false);
        var reader = _link.PumpPeerAsync(bytes => ApplyAsync(s => s.FromPeer(bytes.Span)), () => ApplyAsync(s => s.PeerClosed()));
        await ApplyAsync(s => s.Start()).ConfigureAwait(false);
        await _opened.Task.WaitAsync(_timeouts.Handshake, _time, _link.Connections.Stop.Token).ConfigureAwait(false);
        await _link.PumpQemuAsync(bytes => ApplyAsync(s => s.FromQemu(0, bytes.Span)), () => ApplyAsync(s => s.QemuEnded(0))).ConfigureAwait(false);
        if (_session.IsCompleted)
        {
            // The client's whole stream is framed and sent: half-close, and wait for the destination to confirm by closing.
            peer.Shutdown(SocketShutdown.Send);
            await reader.WaitAsync(_timeouts.Idle, _time, _link.Connections.Stop.Token).ConfigureAwait(false);
        }
    });

    private Task ApplyAsync(Func<RelaySourceSession, IReadOnlyList<RelayOutput>> step) =>
        _link.ApplyAsync(() => step(_session), output =>
        {
            if (output is RelayOutput.Opened)
            {
                _opened.TrySetResult();
            }

            return Task.CompletedTask;
        });
}
