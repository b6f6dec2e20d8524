using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration.Stream;

namespace Roost.Hypervisor.Relay;

/// <summary>
/// The source end of the migration relay: one listener per channel for the source's QEMUs to migrate to (a Unix
/// socket in an owner-only directory, <c>unix:PATH</c>, or a loopback port, <c>tcp:127.0.0.1:PORT</c>), one
/// connection to the destination's relay, and a <see cref="RelaySourceSession"/> doing the work. A Unix socket keeps
/// what QEMU has written but the relay not yet read to the socket's send buffer (about 200 KiB), where a loopback TCP
/// connection lets megabytes queue: bytes that would all still have to cross the link after QEMU stops the guest. A QEMU's writes are read only as fast as the link takes the encoded frames, so QEMU's own pacing
/// and its downtime estimate see the relay's real throughput. Any failure closes every connection: the source QEMU's
/// migration fails, the destination's QEMU gets a truncated stream, and the handover aborts with the VM on the source.
/// </summary>
public sealed class SourceRelay : IAsyncDisposable
{
    private const int ReadBytes = 256 * 1024;

    /// <summary>Unsent bytes the link socket may hold (TCP_NOTSENT_LOWAT) when no send buffer is set: 256 KiB.</summary>
    public const int UnsentLowWaterBytes = 256 * 1024;

    private const int IpProtocolTcp = 6;
    private const int TcpNotSentLowAt = 25;

    private readonly RelaySourceSession _session;
    private readonly Socket[] _listeners;
    private readonly IPEndPoint _destination;
    private readonly RelayTimeouts _timeouts;
    private readonly int _sendBufferBytes;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RelayConnections _connections;
    private Socket? _peer;
    private long _sentToPeer;

    private SourceRelay(RelaySourceSession session, Socket[] listeners, IPEndPoint destination, RelayTimeouts timeouts, TimeProvider time, int sendBufferBytes)
    {
        _session = session;
        _listeners = listeners;
        _destination = destination;
        _timeouts = timeouts;
        _sendBufferBytes = sendBufferBytes;
        _time = time;
        QemuUris = [.. listeners.Select(l => l.LocalEndPoint switch
        {
            IPEndPoint ip => $"tcp:127.0.0.1:{ip.Port}",
            var unix => $"unix:{unix}",
        })];
        _connections = new RelayConnections(timeouts, time, () => session.Traffic, () => session.IsCompleted);
        foreach (var listener in listeners)
        {
            _connections.Track(listener);
        }
    }

    /// <summary>
    /// What the source QEMUs migrate to, one per channel (<c>tcp:127.0.0.1:PORT</c> or <c>unix:PATH</c>); fixed when the
    /// relay starts, so still readable once it failed (a destination that refuses at once closes the listeners).
    /// </summary>
    public IReadOnlyList<string> QemuUris { get; }

    /// <summary>Completes when the relay is done, whole or failed.</summary>
    public Task<RelayResult> Completion => _connections.Completion;

    /// <summary>Bytes handed to the link so far; safe to read from any thread while the relay runs.</summary>
    public long SentToPeer => Interlocked.Read(ref _sentToPeer);

    /// <summary>
    /// Listens for the QEMUs at once (on Unix sockets in <paramref name="socketDirectory"/>, which must be owner-only,
    /// or on loopback ports when it is null) and starts connecting to the destination's relay in the background.
    /// <paramref name="sendBufferBytes"/> bounds the link connection's send buffer (0: the kernel's autotuning, with at
    /// most <see cref="UnsentLowWaterBytes"/> left unsent on Linux): about twice the link's bandwidth-delay product keeps
    /// it full while leaving little queued when QEMU stops the guest, all of which the guest waits for.
    /// </summary>
    public static SourceRelay Start(IPEndPoint destination, ReadOnlySpan<byte> secret, RelayCodecOptions options, int channels, RelayTimeouts timeouts, TimeProvider time, string? socketDirectory = null, int sendBufferBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sendBufferBytes);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeouts);
        ArgumentNullException.ThrowIfNull(time);
        var session = new RelaySourceSession(options, secret, RandomNumberGenerator.GetBytes(RelaySecrets.NonceBytes), channels, FrameCompressors.For(options.Compression, options.CompressionLevel));
        var listeners = new Socket[channels];
        for (var i = 0; i < channels; i++)
        {
            listeners[i] = socketDirectory is null ? new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) : new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            if (socketDirectory is null)
            {
                listeners[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }
            else
            {
                var path = Path.Combine(socketDirectory, $"relay-{i}.sock");
                File.Delete(path);
                listeners[i].Bind(new UnixDomainSocketEndPoint(path));
            }

            listeners[i].Listen(1);
        }

        var relay = new SourceRelay(session, listeners, destination, timeouts, time, sendBufferBytes);
        _ = relay.RunAsync();
        return relay;
    }

    /// <summary>Gives up: tells the destination's relay and closes every connection.</summary>
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
            _peer = await ConnectAsync().ConfigureAwait(false);
            var reader = ReadPeerAsync(_peer);
            await ApplyAsync(s => s.Start()).ConfigureAwait(false);
            await WithinAsync(_opened.Task, _timeouts.Handshake, "did not prove it holds this migration's secret").ConfigureAwait(false);
            var channels = _listeners.Select((listener, channel) => PumpQemuAsync(listener, channel)).ToList();
            await Task.WhenAll(channels).ConfigureAwait(false);
            if (_session.IsCompleted)
            {
                // Every stream is framed and sent: half-close, and wait for the destination to confirm by closing.
                _peer.Shutdown(SocketShutdown.Send);
                await WithinAsync(reader, _timeouts.Idle, "did not confirm the end of the streams").ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            _connections.Fail(Describe(e));
        }
        finally
        {
            _connections.Finish();
        }
    }

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(_destination.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (_sendBufferBytes > 0)
        {
            socket.SendBufferSize = _sendBufferBytes;
        }
        else if (OperatingSystem.IsLinux())
        {
            // TCP_NOTSENT_LOWAT: the kernel takes more only while less than this is still unsent, so what waits in the
            // socket when QEMU stops the guest is bounded whatever the link, while the window in flight still grows to
            // the link's bandwidth-delay product (the send buffer's autotuning bounds both together, up to several MB).
            socket.SetRawSocketOption(IpProtocolTcp, TcpNotSentLowAt, BitConverter.GetBytes(UnsentLowWaterBytes));
        }

        _connections.Track(socket);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_connections.Stop.Token);
        timeout.CancelAfter(_timeouts.Connect);
        try
        {
            await socket.ConnectAsync(_destination, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_connections.Stop.IsCancellationRequested)
        {
            throw new TimeoutException($"the destination's relay at {_destination} did not accept a connection within {_timeouts.Connect.TotalSeconds:0} s");
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot reach the destination's relay at {_destination}: {e.Message}", e);
        }

        return socket;
    }

    private async Task ReadPeerAsync(Socket peer)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(_connections.Stop.Token);
                idle.CancelAfter(_timeouts.Idle);
                var read = await peer.ReceiveAsync(buffer, SocketFlags.None, idle.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    await ApplyAsync(s => s.PeerClosed()).ConfigureAwait(false);
                    return;
                }

                await ApplyAsync(s => s.FromPeer(buffer.AsSpan(0, read))).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!_connections.Stop.IsCancellationRequested)
        {
            await AbortAsync($"the destination's relay was silent for {_timeouts.Idle.TotalSeconds:0} s").ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            _connections.Fail($"the connection to the destination's relay broke: {e.Message}");
        }
    }

    private async Task PumpQemuAsync(Socket listener, int channel)
    {
        using var accept = CancellationTokenSource.CreateLinkedTokenSource(_connections.Stop.Token);
        accept.CancelAfter(_timeouts.Connect);
        Socket qemu;
        try
        {
            qemu = await listener.AcceptAsync(accept.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_connections.Stop.IsCancellationRequested)
        {
            throw new TimeoutException($"the source's QEMU did not connect to relay channel {channel} within {_timeouts.Connect.TotalSeconds:0} s");
        }
        finally
        {
            if (listener.LocalEndPoint is UnixDomainSocketEndPoint unix)
            {
                File.Delete(unix.ToString());
            }

            listener.Dispose();
        }

        _connections.Track(qemu);
        var buffer = new byte[ReadBytes];
        while (!_session.IsOver)
        {
            var read = await qemu.ReceiveAsync(buffer, SocketFlags.None, _connections.Stop.Token).ConfigureAwait(false);
            if (read == 0)
            {
                await ApplyAsync(s => s.QemuEnded(channel)).ConfigureAwait(false);
                return;
            }

            await ApplyAsync(s => s.FromQemu(channel, buffer.AsSpan(0, read))).ConfigureAwait(false);
        }
    }

    private delegate IReadOnlyList<RelayOutput> SessionStep(RelaySourceSession session);

    /// <summary>One step of the session, then its outputs, in order, under the one lock: frames go out in the order made.</summary>
    private async Task ApplyAsync(SessionStep step)
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
                        Interlocked.Add(ref _sentToPeer, send.Bytes.Length);
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

    /// <summary>Waits for <paramref name="task"/>; past <paramref name="limit"/>, fails naming what the destination's relay did not do.</summary>
    private async Task WithinAsync(Task task, TimeSpan limit, string what)
    {
        try
        {
            await task.WaitAsync(limit, _time, _connections.Stop.Token).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the destination's relay at {_destination} {what} within {limit.TotalSeconds:0} s");
        }
    }

    private static string Describe(Exception e) => e is OperationCanceledException ? "the relay was shut down" : e.Message;
}
