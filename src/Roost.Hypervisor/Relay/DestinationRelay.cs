using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration.Stream;

namespace Roost.Hypervisor.Relay;

/// <summary>
/// The destination end of the migration relay: listens on the agent's migration address for the source's relay,
/// keeps the first connection that proves it holds the migration's secret (others are dropped; a few tries at most),
/// then feeds each channel's rebuilt stream to the incoming QEMU listening on loopback, and pins the pages of the
/// given RAM files (VMs resident here) so the source can send matching pages as references. A failure closes the
/// QEMU connections with a reset: the incoming QEMU fails to load and exits, nothing of the VM is left here.
/// </summary>
public sealed class DestinationRelay : IAsyncDisposable
{
    private const int MaxHandshakeTries = 8;
    private const int PinChunkBytes = 4 * 1024 * 1024;

    private readonly byte[] _secret;
    private readonly TcpListener _listener;
    private readonly IReadOnlyList<IPEndPoint> _qemus;
    private readonly IReadOnlyList<string> _pinFiles;
    private readonly RelayTimeouts _timeouts;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly RelayConnections _connections;
    private readonly Socket?[] _qemuSockets;
    private RelayDestinationSession? _session;
    private Socket? _peer;

    private DestinationRelay(byte[] secret, TcpListener listener, IReadOnlyList<IPEndPoint> qemus, IReadOnlyList<string> pinFiles, RelayTimeouts timeouts, TimeProvider time)
    {
        _secret = secret;
        _listener = listener;
        _qemus = qemus;
        _pinFiles = pinFiles;
        _timeouts = timeouts;
        _time = time;
        _qemuSockets = new Socket?[qemus.Count];
        _connections = new RelayConnections(timeouts, time, () => _session?.Traffic ?? new RelayTraffic(), () => _session?.IsCompleted == true);
        _connections.Track(listener);
    }

    /// <summary>The port the source's relay connects to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Task<RelayResult> Completion => _connections.Completion;

    /// <summary>
    /// Listens on <paramref name="address"/> (port chosen by the system) for the source's relay of a migration with
    /// <paramref name="secret"/>, whose channels go to the incoming QEMUs at <paramref name="qemus"/>.
    /// </summary>
    public static DestinationRelay Start(IPAddress address, ReadOnlySpan<byte> secret, IReadOnlyList<IPEndPoint> qemus, IReadOnlyList<string> pinFiles, RelayTimeouts timeouts, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(address);
        ArgumentNullException.ThrowIfNull(qemus);
        ArgumentNullException.ThrowIfNull(pinFiles);
        ArgumentNullException.ThrowIfNull(timeouts);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfZero(qemus.Count);
        var listener = new TcpListener(address, 0);
        listener.Start(MaxHandshakeTries);
        var relay = new DestinationRelay(secret.ToArray(), listener, qemus, pinFiles, timeouts, time);
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
            var buffer = new byte[256 * 1024];
            await AcceptAuthenticatedAsync(buffer).ConfigureAwait(false);
            for (var channel = 0; channel < _qemus.Count; channel++)
            {
                _qemuSockets[channel] = await ConnectQemuAsync(_qemus[channel]).ConfigureAwait(false);
            }

            await PinAsync().ConfigureAwait(false);
            await ReadPeerAsync(buffer).ConfigureAwait(false);
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

    /// <summary>
    /// Takes connections until one completes the handshake; the others are closed. One deadline covers accepting and
    /// the handshakes: a connection that stays silent in its handshake runs into it as much as no connection at all.
    /// </summary>
    private async Task AcceptAuthenticatedAsync(byte[] buffer)
    {
        var window = _timeouts.Connect + _timeouts.Handshake;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_connections.Stop.Token);
        deadline.CancelAfter(window);
        string? lastFailure = null;
        RelayDestinationSession? session = null;
        try
        {
            for (var attempt = 0; attempt < MaxHandshakeTries; attempt++)
            {
                var socket = await _listener.AcceptSocketAsync(deadline.Token).ConfigureAwait(false);
                socket.NoDelay = true;
                _connections.Track(socket);
                session = new RelayDestinationSession(_secret, RandomNumberGenerator.GetBytes(RelaySecrets.NonceBytes), _qemus.Count, FrameCompressors.Decompressors());
                var failure = await HandshakeAsync(socket, session, buffer, deadline.Token).ConfigureAwait(false);
                if (failure is null)
                {
                    _listener.Stop();
                    return;
                }

                lastFailure = failure;
                session.Dispose();
                session = null;
                socket.Dispose();
            }
        }
        catch (OperationCanceledException) when (!_connections.Stop.IsCancellationRequested)
        {
            session?.Dispose();
            throw new TimeoutException($"no relay proved this migration's secret within {window.TotalSeconds:0} s{(lastFailure is null ? "" : $" (last: {lastFailure})")}");
        }

        throw new IOException($"{MaxHandshakeTries} connections to the migration relay failed the handshake (last: {lastFailure})");
    }

    /// <summary>Runs the handshake on one connection; null once it is open (the connection is then the relay's), else why not.</summary>
    private async Task<string?> HandshakeAsync(Socket socket, RelayDestinationSession session, byte[] buffer, CancellationToken cancellationToken)
    {
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                return e.Message;
            }

            var outputs = read == 0 ? session.PeerClosed() : session.FromPeer(buffer.AsSpan(0, read));
            var opened = false;
            foreach (var output in outputs)
            {
                switch (output)
                {
                    case RelayOutput.SendToPeer send:
                        if (!await SendToSocketAsync(socket, send.Bytes, cancellationToken).ConfigureAwait(false))
                        {
                            return "the connection broke during the handshake";
                        }

                        break;
                    case RelayOutput.Opened:
                        opened = true;
                        break;
                    case RelayOutput.Failed failed:
                        return failed.Reason;
                    default:
                        // Data pipelined behind the proof is delivered once the QEMU connections are up.
                        break;
                }
            }

            if (opened)
            {
                _session = session;
                _peer = socket;
                _pendingAfterHandshake = [.. outputs.SkipWhile(o => o is not RelayOutput.Opened).Skip(1)];
                return null;
            }
        }
    }

    private List<RelayOutput> _pendingAfterHandshake = [];

    private static async Task<bool> SendToSocketAsync(Socket socket, byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            var sent = 0;
            while (sent < bytes.Length)
            {
                sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task<Socket> ConnectQemuAsync(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _connections.Track(socket);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_connections.Stop.Token);
        timeout.CancelAfter(_timeouts.Connect);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!_connections.Stop.IsCancellationRequested)
        {
            throw new TimeoutException($"the incoming QEMU at {endpoint} did not accept the relay within {_timeouts.Connect.TotalSeconds:0} s");
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot reach the incoming QEMU at {endpoint}: {e.Message}", e);
        }
    }

    /// <summary>Pins the pages of the resident VMs' RAM files, a chunk at a time (a file that vanished is skipped).</summary>
    private async Task PinAsync()
    {
        await ApplyOutputsAsync(_pendingAfterHandshake).ConfigureAwait(false);
        var chunk = new byte[PinChunkBytes];
        foreach (var path in _pinFiles)
        {
            FileStream file;
            try
            {
                file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            await using (file.ConfigureAwait(false))
            {
                int read;
                while ((read = await file.ReadAtLeastAsync(chunk, chunk.Length, throwOnEndOfStream: false, _connections.Stop.Token).ConfigureAwait(false)) > 0)
                {
                    await ApplyAsync(s => s.Pin(chunk.AsSpan(0, read))).ConfigureAwait(false);
                }
            }
        }
    }

    private async Task ReadPeerAsync(byte[] buffer)
    {
        var peer = _peer ?? throw new InvalidOperationException("no authenticated relay");
        while (_session is { IsOver: false })
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(_connections.Stop.Token);
            idle.CancelAfter(_timeouts.Idle);
            int read;
            try
            {
                read = await peer.ReceiveAsync(buffer, SocketFlags.None, idle.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_connections.Stop.IsCancellationRequested)
            {
                await AbortAsync($"the source's relay was silent for {_timeouts.Idle.TotalSeconds:0} s").ConfigureAwait(false);
                return;
            }

            if (read == 0)
            {
                await ApplyAsync(s => s.PeerClosed()).ConfigureAwait(false);
                return;
            }

            await ApplyAsync(s => s.FromPeer(buffer.AsSpan(0, read))).ConfigureAwait(false);
        }
    }

    private delegate IReadOnlyList<RelayOutput> SessionStep(RelayDestinationSession session);

    private async Task ApplyAsync(SessionStep step)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_session is { } session)
            {
                await ApplyOutputsAsync(step(session)).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ApplyOutputsAsync(IReadOnlyList<RelayOutput> outputs)
    {
        foreach (var output in outputs)
        {
            switch (output)
            {
                case RelayOutput.SendToPeer send when _peer is { } peer:
                    await _connections.SendAsync(peer, send.Bytes, "the source's relay").ConfigureAwait(false);
                    break;
                case RelayOutput.DeliverToQemu deliver when _qemuSockets[deliver.Channel] is { } qemu:
                    await _connections.SendAsync(qemu, deliver.Bytes, "the incoming QEMU").ConfigureAwait(false);
                    break;
                case RelayOutput.CloseQemu close when _qemuSockets[close.Channel] is { } qemu:
                    qemu.Shutdown(SocketShutdown.Send);
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
}
