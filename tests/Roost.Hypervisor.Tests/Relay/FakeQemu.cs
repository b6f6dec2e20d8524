using System.Net;
using System.Net.Sockets;

namespace Roost.Hypervisor.Tests.Relay;

/// <summary>Stands in for QEMU at either end of a relay: the incoming side records what it receives; the outgoing side writes a stream.</summary>
internal static class FakeQemu
{
    /// <summary>Listens on loopback for one connection and records what arrives until it ends or breaks.</summary>
    public sealed class Incoming : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private long _count;

        public Incoming()
        {
            _listener.Start(1);
            Received = ReceiveAsync();
        }

        public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

        /// <summary>What arrived, and whether the stream ended cleanly (false: reset or broken).</summary>
        public Task<(byte[] Bytes, bool EndedCleanly)> Received { get; }

        /// <summary>Bytes received so far.</summary>
        public long Count => Interlocked.Read(ref _count);

        /// <summary>Waits until some bytes arrived (the stream flows end to end).</summary>
        public async Task FlowingAsync()
        {
            for (var i = 0; i < 600 && Count == 0; i++)
            {
                await Task.Delay(100);
            }

            Assert.True(Count > 0, "no byte reached the incoming side within a minute");
        }

        public void Dispose() => _listener.Stop();

        private async Task<(byte[], bool)> ReceiveAsync()
        {
            using var socket = await _listener.AcceptSocketAsync();
            var received = new MemoryStream();
            var buffer = new byte[65536];
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    received.Write(buffer, 0, read);
                    Interlocked.Add(ref _count, read);
                }

                return (received.ToArray(), true);
            }
            catch (SocketException)
            {
                return (received.ToArray(), false);
            }
        }
    }

    /// <summary>Connects to a relay's QEMU listener (tcp:ADDRESS:PORT or unix:PATH) and writes <paramref name="stream"/>, then closes; false when the relay broke the connection.</summary>
    public static async Task<bool> SendAsync(string uri, byte[] stream, int stopAfter = int.MaxValue, Func<Task>? atStop = null)
    {
        var unix = uri.StartsWith("unix:", StringComparison.Ordinal);
        using var socket = unix ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(unix ? new UnixDomainSocketEndPoint(uri["unix:".Length..]) : IPEndPoint.Parse(uri["tcp:".Length..]));
        try
        {
            for (var sent = 0; sent < stream.Length;)
            {
                if (sent >= stopAfter && atStop is not null)
                {
                    await atStop();
                    atStop = null;
                }

                sent += await socket.SendAsync(stream.AsMemory(sent, Math.Min(32 * 1024, stream.Length - sent)), SocketFlags.None);
            }

            socket.Shutdown(SocketShutdown.Send);

            // Wait for the relay to close its side: a reset here means it failed.
            var buffer = new byte[16];
            while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
