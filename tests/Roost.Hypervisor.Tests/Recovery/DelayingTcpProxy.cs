using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// A TCP link with a one-way delay on loopback, for the replication path in tests: every chunk read on one side is
/// written to the other <see cref="OneWay"/> later, in order. <see cref="Cut"/> stops everything at once: the
/// site's link is gone, nothing more crosses in either direction.
/// </summary>
internal sealed class DelayingTcpProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _cut = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accept;

    public DelayingTcpProxy(IPEndPoint target, TimeSpan oneWay)
    {
        _target = target;
        OneWay = oneWay;
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(4);
        _accept = Task.Run(AcceptAsync);
    }

    public TimeSpan OneWay { get; }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndPoint!;

    public void Cut()
    {
        _cut.Cancel();
        _listener.Dispose();
        lock (_sockets)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Cut();
        try
        {
            await _accept;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _cut.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_cut.IsCancellationRequested)
        {
            var inbound = await _listener.AcceptAsync(_cut.Token);
            var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await outbound.ConnectAsync(_target, _cut.Token);
            inbound.NoDelay = true;
            lock (_sockets)
            {
                _sockets.AddRange([inbound, outbound]);
            }

            _ = PumpAsync(inbound, outbound);
            _ = PumpAsync(outbound, inbound);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var queue = Channel.CreateUnbounded<(long Due, byte[] Bytes)>();
        var writer = Task.Run(async () =>
        {
            await foreach (var (due, bytes) in queue.Reader.ReadAllAsync(_cut.Token))
            {
                var wait = TimeSpan.FromTicks(due - DateTime.UtcNow.Ticks);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _cut.Token);
                }

                await to.SendAsync(bytes, SocketFlags.None, _cut.Token);
            }
        });
        try
        {
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _cut.Token);
                if (read == 0)
                {
                    break;
                }

                queue.Writer.TryWrite(((DateTime.UtcNow + OneWay).Ticks, buffer[..read]));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        queue.Writer.TryComplete();
        try
        {
            await writer;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}
