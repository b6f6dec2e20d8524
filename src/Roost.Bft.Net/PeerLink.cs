using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Roost.Bft.Crypto;
using Roost.Bft.Messages;
using Roost.Bft.Transport;

namespace Roost.Bft.Net;

/// <summary>
/// The outbound half of one pair: a TCP connection from this node to a peer's address (or to the agent standing for
/// a frozen executor), opened on first use and again after a failure, carrying <see cref="Frames"/> whose counter
/// restarts at 1 on each connection. Messages wait in a bounded queue; when it is full the oldest is dropped, as a
/// lossy network would, and the protocols' retransmissions recover. Memory stays bounded while a peer is frozen.
/// </summary>
internal sealed class PeerLink
{
    private const int QueueMessages = 4096;

    private readonly NodeId _self;
    private readonly NodeId _to;
    private readonly IPEndPoint _address;
    private readonly Keyring _keyring;
    private readonly TimeProvider _time;
    private readonly Channel<Message> _queue = Channel.CreateBounded<Message>(new BoundedChannelOptions(QueueMessages)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public PeerLink(NodeId self, NodeId to, IPEndPoint address, Keyring keyring, TimeProvider time)
    {
        _self = self;
        _to = to;
        _address = address;
        _keyring = keyring;
        _time = time;
    }

    public void Enqueue(Message message) => _queue.Writer.TryWrite(message);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var retry = TimeSpan.FromMilliseconds(20);
        while (!cancellationToken.IsCancellationRequested)
        {
            using var client = new TcpClient(AddressFamily.InterNetwork) { NoDelay = true };
            try
            {
                await client.ConnectAsync(_address, cancellationToken).ConfigureAwait(false);
                retry = TimeSpan.FromMilliseconds(20);
                var stream = client.GetStream();
                ulong counter = 0;
                while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (_queue.Reader.TryRead(out var message))
                    {
                        var frame = Frames.Encode(_keyring, _self, _to, ++counter, message);
                        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
                    }
                }

                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is SocketException or IOException)
            {
                // The peer is down or restarting: what was being written is lost (the protocols retransmit).
                await Task.Delay(retry, _time, cancellationToken).ConfigureAwait(false);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromMilliseconds(500).Ticks));
            }
        }
    }
}
