using System.Net;
using System.Net.Sockets;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Disk;

/// <summary>The socket loops both ends of the NBD relay share: connecting to a peer, and pumping one socket's bytes into a session step.</summary>
internal static class NbdRelayLink
{
    public static async Task<Socket> ConnectAsync(EndPoint endpoint, RelayConnections connections, RelayTimeouts timeouts)
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

    /// <summary>
    /// Reads <paramref name="socket"/> until it closes (then <paramref name="closed"/>) or the relay stops, handing each
    /// read to <paramref name="received"/>; silence longer than <paramref name="idle"/> fails the relay.
    /// </summary>
    public static async Task PumpAsync(Socket socket, RelayConnections connections, TimeSpan idle, Func<ReadOnlyMemory<byte>, Task> received, Func<Task> closed, string what)
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
