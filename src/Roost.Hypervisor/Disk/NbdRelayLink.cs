using System.Net;
using System.Net.Sockets;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Disk;

/// <summary>
/// What both ends of the NBD relay share: the relay's connections, the lock each session step and its outputs run
/// under (frames go out in the order made), the two sockets (the other end's relay, the NBD peer QEMU), the socket
/// loops, and the end's way out (any failure, timeout or shutdown fails the relay with one line and closes everything).
/// </summary>
internal sealed class NbdRelayLink(RelayConnections connections, IDisposable session, RelayTimeouts timeouts, string peerName, string qemuName) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public RelayConnections Connections => connections;

    /// <summary>The connection to the other end's relay, once made.</summary>
    public Socket? Peer { get; set; }

    /// <summary>The connection to this end's QEMU (its NBD client at the source, its export at the destination), once made.</summary>
    public Socket? Qemu { get; set; }

    /// <summary>A listener for one connection at <paramref name="endpoint"/> (a stale Unix socket file is replaced).</summary>
    public static Socket Listen(EndPoint endpoint)
    {
        var listener = endpoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endpoint is UnixDomainSocketEndPoint unix)
        {
            File.Delete(unix.ToString());
        }

        listener.Bind(endpoint);
        listener.Listen(1);
        return listener;
    }

    /// <summary>Runs the end's main loop; whatever happens, the relay finishes after it.</summary>
    public async Task RunAsync(Func<Task> body)
    {
        try
        {
            await body().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            connections.Fail(e is OperationCanceledException ? "the relay was shut down" : e.Message);
        }
        finally
        {
            connections.Finish();
        }
    }

    /// <summary>Takes one connection on <paramref name="listener"/> within the connect timeout, then closes the listener (and removes its socket file).</summary>
    public async Task<Socket> AcceptAsync(Socket listener, string what)
    {
        var file = listener.LocalEndPoint is UnixDomainSocketEndPoint unix ? unix.ToString() : null;
        using var accept = CancellationTokenSource.CreateLinkedTokenSource(connections.Stop.Token);
        accept.CancelAfter(timeouts.Connect);
        try
        {
            var socket = await listener.AcceptAsync(accept.Token).ConfigureAwait(false);
            connections.Track(socket);
            return socket;
        }
        catch (OperationCanceledException) when (!connections.Stop.IsCancellationRequested)
        {
            throw new TimeoutException($"{what} did not connect within {timeouts.Connect.TotalSeconds:0} s");
        }
        finally
        {
            if (file is not null)
            {
                File.Delete(file);
            }

            listener.Dispose();
        }
    }

    /// <summary>Connects to <paramref name="endpoint"/> within the connect timeout.</summary>
    public async Task<Socket> ConnectAsync(EndPoint endpoint)
    {
        var socket = endpoint is UnixDomainSocketEndPoint
            ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
            : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        connections.Track(socket);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connections.Stop.Token);
        timeout.CancelAfter(timeouts.Connect);
        try
        {
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return socket;
        }
        catch (OperationCanceledException) when (!connections.Stop.IsCancellationRequested)
        {
            throw new TimeoutException($"{endpoint} did not accept a connection within {timeouts.Connect.TotalSeconds:0} s");
        }
        catch (SocketException e)
        {
            throw new IOException($"cannot reach {endpoint}: {e.Message}", e);
        }
    }

    /// <summary>Reads the other end's relay until it closes or the relay stops; silence longer than the idle timeout fails the relay.</summary>
    public Task PumpPeerAsync(Func<ReadOnlyMemory<byte>, Task> received, Func<Task> closed) =>
        PumpAsync(Peer ?? throw new InvalidOperationException("no connection to the other relay"), timeouts.Idle, received, closed, peerName);

    /// <summary>Reads this end's QEMU until it closes or the relay stops (QEMU may be silent as long as it likes).</summary>
    public Task PumpQemuAsync(Func<ReadOnlyMemory<byte>, Task> received, Func<Task> closed) =>
        PumpAsync(Qemu ?? throw new InvalidOperationException("no connection to QEMU"), Timeout.InfiniteTimeSpan, received, closed, qemuName);

    /// <summary>
    /// One session step under the lock, then its outputs, in order: bytes to the other relay or to QEMU, the end of
    /// what QEMU gets, a failure; <see cref="RelayOutput.Opened"/> and <see cref="RelayOutput.Completed"/> go to
    /// <paramref name="onEvent"/> (each end acts on them its own way).
    /// </summary>
    public async Task ApplyAsync(Func<IReadOnlyList<RelayOutput>> step, Func<RelayOutput, Task> onEvent)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            foreach (var output in step())
            {
                switch (output)
                {
                    case RelayOutput.SendToPeer send when Peer is { } peer:
                        await connections.SendAsync(peer, send.Bytes, peerName).ConfigureAwait(false);
                        break;
                    case RelayOutput.DeliverToQemu deliver when Qemu is { } qemu:
                        await connections.SendAsync(qemu, deliver.Bytes, qemuName).ConfigureAwait(false);
                        break;
                    case RelayOutput.CloseQemu when Qemu is { } qemu:
                        try
                        {
                            qemu.Shutdown(SocketShutdown.Send);
                        }
                        catch (SocketException)
                        {
                            // QEMU closed first (the export, after the client's NBD_CMD_DISC): nothing is left to tell it.
                        }

                        break;
                    case RelayOutput.Failed failed:
                        connections.Fail(failed.Reason);
                        break;
                    case RelayOutput.Opened or RelayOutput.Completed:
                        await onEvent(output).ConfigureAwait(false);
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

    /// <summary>Fails the relay if it still runs, waits for its end, then frees the session, the connections and the lock (once).</summary>
    public ValueTask DisposeAsync() => connections.ShutdownAsync(_gate, session);

    private async Task PumpAsync(Socket socket, TimeSpan idle, Func<ReadOnlyMemory<byte>, Task> received, Func<Task> closed, string what)
    {
        var buffer = new byte[256 * 1024];
        try
        {
            while (true)
            {
                using var silence = CancellationTokenSource.CreateLinkedTokenSource(connections.Stop.Token);
                if (idle != Timeout.InfiniteTimeSpan)
                {
                    silence.CancelAfter(idle);
                }

                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, silence.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    await closed().ConfigureAwait(false);
                    return;
                }

                await received(buffer.AsMemory(0, read)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!connections.Stop.IsCancellationRequested)
        {
            connections.Fail($"{what} was silent for {idle.TotalSeconds:0} s");
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            connections.Fail($"the connection to {what} broke: {e.Message}");
        }
    }
}
