using System.Net;
using System.Net.Sockets;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Relay;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Relay;

/// <summary>The two relay ends over loopback sockets, with stand-ins for QEMU: whole streams, and every way one end can be lost.</summary>
public sealed class RelayLoopbackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(FrameCodec.Zstd, true)]
    [InlineData(FrameCodec.Lz4, false)]
    [InlineData(FrameCodec.None, false)]
    public async Task Relays_CarryAStreamWhole(FrameCodec codec, bool unixSocket)
    {
        var stream = Stream(1, 3 << 20);
        var sockets = unixSocket ? Directory.CreateTempSubdirectory("roost-relay-test-") : null;
        using var qemu = new FakeQemu.Incoming();
        await using var destination = DestinationRelay.Start(IPAddress.Loopback, RelayTestKit.Secret(1), [qemu.Endpoint], [], RelayTestKit.Quick, TimeProvider.System);
        await using var source = SourceRelay.Start(new IPEndPoint(IPAddress.Loopback, destination.Port), RelayTestKit.Secret(1), new RelayCodecOptions { Compression = codec }, 1, RelayTestKit.Quick, TimeProvider.System, sockets?.FullName, sendBufferBytes: unixSocket ? 64 * 1024 : 0);
        Assert.StartsWith(unixSocket ? "unix:" : "tcp:", source.QemuUris[0], StringComparison.Ordinal);

        var sent = await FakeQemu.SendAsync(source.QemuUris[0], stream);
        var (received, clean) = await qemu.Received.WaitAsync(TimeSpan.FromSeconds(60));
        var (atSource, atDestination) = (await source.Completion, await destination.Completion);

        Assert.True(sent, "the source relay broke the QEMU connection");
        Assert.True(clean, "the incoming stream did not end cleanly");
        Assert.Equal(stream, received);
        Assert.True(atSource.Completed, atSource.Failure);
        Assert.True(atDestination.Completed, atDestination.Failure);
        Assert.Equal(stream.Length, atSource.Traffic.StreamBytes);
        Assert.Equal(atSource.Traffic.WireBytes, atDestination.Traffic.WireBytes);
        Assert.True(codec == FrameCodec.None || atSource.Traffic.WireBytes < stream.Length, $"{codec}: {atSource.Traffic.WireBytes} wire bytes for {stream.Length}");
        Assert.True(sockets is null || Directory.GetFiles(sockets.FullName).Length == 0, "the relay left its QEMU socket behind");
        sockets?.Delete(recursive: true);
    }

    [Fact]
    public async Task SourceRelayLostMidStream_IncomingQemuNeverGetsTheWholeStream()
    {
        var stream = Stream(2, 4 << 20);
        using var qemu = new FakeQemu.Incoming();
        await using var destination = DestinationRelay.Start(IPAddress.Loopback, RelayTestKit.Secret(2), [qemu.Endpoint], [], RelayTestKit.Quick, TimeProvider.System);
        var source = SourceRelay.Start(new IPEndPoint(IPAddress.Loopback, destination.Port), RelayTestKit.Secret(2), new RelayCodecOptions(), 1, RelayTestKit.Quick, TimeProvider.System);

        var sent = await FakeQemu.SendAsync(source.QemuUris[0], stream, stopAfter: 1 << 20, atStop: async () =>
        {
            await qemu.FlowingAsync();
            await source.DisposeAsync();
        });
        var (received, clean) = await qemu.Received.WaitAsync(TimeSpan.FromSeconds(60));
        var atDestination = await destination.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(sent, "the source QEMU's connection survived its relay");
        Assert.False(clean, "the incoming QEMU saw a clean end of a cut stream");
        Assert.True(received.Length < stream.Length && stream.AsSpan().StartsWith(received), "the incoming QEMU got more than a prefix");
        Assert.False(atDestination.Completed);
    }

    [Fact]
    public async Task DestinationRelayLostMidStream_SourceQemuConnectionBreaks()
    {
        var stream = Stream(3, 4 << 20);
        using var qemu = new FakeQemu.Incoming();
        var destination = DestinationRelay.Start(IPAddress.Loopback, RelayTestKit.Secret(3), [qemu.Endpoint], [], RelayTestKit.Quick, TimeProvider.System);
        await using var source = SourceRelay.Start(new IPEndPoint(IPAddress.Loopback, destination.Port), RelayTestKit.Secret(3), new RelayCodecOptions(), 1, RelayTestKit.Quick, TimeProvider.System);

        var sent = await FakeQemu.SendAsync(source.QemuUris[0], stream, stopAfter: 1 << 20, atStop: async () =>
        {
            await qemu.FlowingAsync();
            await destination.DisposeAsync();
        });
        var (received, clean) = await qemu.Received.WaitAsync(TimeSpan.FromSeconds(60));
        var atSource = await source.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(sent, "the source QEMU's connection survived the destination's relay");
        Assert.False(clean && received.Length == stream.Length, "the incoming QEMU got the whole stream");
        Assert.False(atSource.Completed);
    }

    [Fact]
    public async Task WrongSecret_NothingReachesTheIncomingQemu()
    {
        using var qemu = new FakeQemu.Incoming();
        await using var destination = DestinationRelay.Start(IPAddress.Loopback, RelayTestKit.Secret(4), [qemu.Endpoint], [], RelayTestKit.Quick with { Connect = TimeSpan.FromSeconds(2), Handshake = TimeSpan.FromSeconds(2) }, TimeProvider.System);
        await using var source = SourceRelay.Start(new IPEndPoint(IPAddress.Loopback, destination.Port), RelayTestKit.Secret(5), new RelayCodecOptions(), 1, RelayTestKit.Quick, TimeProvider.System);

        var atSource = await source.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        var atDestination = await destination.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(atSource.Completed);
        Assert.Contains("secret", atSource.Failure, StringComparison.Ordinal);
        Assert.False(atDestination.Completed);
        Assert.False(qemu.Received.IsCompleted, "the destination relay connected to QEMU without an authenticated source");
    }

    [Fact]
    public async Task SilentConnection_DestinationFailsNamingTheHandshakeDeadline()
    {
        using var qemu = new FakeQemu.Incoming();
        await using var destination = DestinationRelay.Start(IPAddress.Loopback, RelayTestKit.Secret(7), [qemu.Endpoint], [], RelayTestKit.Quick with { Connect = TimeSpan.FromSeconds(1), Handshake = TimeSpan.FromSeconds(1) }, TimeProvider.System);
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(new IPEndPoint(IPAddress.Loopback, destination.Port));

        var atDestination = await destination.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(atDestination.Completed);
        Assert.StartsWith("no relay proved this migration's secret within 2 s", atDestination.Failure, StringComparison.Ordinal);
        Assert.False(qemu.Received.IsCompleted, "the destination relay connected to QEMU without an authenticated source");
    }

    [Fact]
    public async Task SilentDestination_SourceFailsNamingTheHandshakeDeadline()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(1);
        await using var source = SourceRelay.Start((IPEndPoint)silent.LocalEndpoint, RelayTestKit.Secret(8), new RelayCodecOptions(), 1, RelayTestKit.Quick with { Handshake = TimeSpan.FromSeconds(1) }, TimeProvider.System);
        using var accepted = await silent.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var atSource = await source.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.False(atSource.Completed);
        Assert.Equal($"the destination's relay at {silent.LocalEndpoint} did not prove it holds this migration's secret within 1 s", atSource.Failure);
    }

    [Fact]
    public async Task LinkGoesSilent_BothEndsGiveUpWithinTheirTimeouts()
    {
        var stream = Stream(6, 8 << 20);
        using var qemu = new FakeQemu.Incoming();
        await using var destination = DestinationRelay.Start(IPAddress.Loopback, RelayTestKit.Secret(6), [qemu.Endpoint], [], RelayTestKit.Quick, TimeProvider.System);
        await using var link = new StallingLink(new IPEndPoint(IPAddress.Loopback, destination.Port));
        await using var source = SourceRelay.Start(link.Endpoint, RelayTestKit.Secret(6), new RelayCodecOptions { Compression = FrameCodec.None }, 1, RelayTestKit.Quick, TimeProvider.System);

        // The link goes silent mid-stream, once bytes flow end to end: stalled before the handshake got through, the
        // destination would only give up at its handshake deadline, and no idle timeout would be tested. QEMU then
        // sends nothing more until the source has given up: loopback's socket buffers (up to 32 MiB a receiver here)
        // could otherwise take the rest of its stream, which would then end, and the source would fail waiting for
        // the end to be confirmed instead of on the silence this test is about.
        var sent = FakeQemu.SendAsync(source.QemuUris[0], stream, stopAfter: 2 << 20, atStop: async () =>
        {
            await qemu.FlowingAsync();
            link.Stall();
            await source.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        });
        var started = TimeProvider.System.GetTimestamp();
        var atSource = await source.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"source after {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0.0} s: {atSource.Failure}");
        var atDestination = await destination.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine($"destination after {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0.0} s: {atDestination.Failure}");

        Assert.False(await sent.WaitAsync(TimeSpan.FromSeconds(60)), "the source QEMU's connection survived a dead link");
        output.WriteLine($"QEMU after {TimeProvider.System.GetElapsedTime(started).TotalSeconds:0.0} s");
        Assert.False(atSource.Completed);
        Assert.False(atDestination.Completed);
        Assert.Matches("silent for 4 s|took no bytes for 3 s", atSource.Failure);
        Assert.Contains("the source's relay was silent for 4 s", atDestination.Failure, StringComparison.Ordinal);
    }

    /// <summary>A stream with compressible and repeated parts, as guest memory has.</summary>
    private static byte[] Stream(int seed, int length)
    {
        var random = new Random(seed);
        var stream = new byte[length];
        for (var i = 0; i < length; i += 4096)
        {
            random.NextBytes(stream.AsSpan(i, Math.Min(1024, length - i)));
        }

        return stream;
    }

    /// <summary>A TCP forwarder that can stop forwarding without closing anything, as a cut WAN link looks to both ends.</summary>
    private sealed class StallingLink : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly IPEndPoint _target;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _run;
        private volatile bool _stalled;

        public StallingLink(IPEndPoint target)
        {
            _target = target;
            _listener.Start(1);
            _run = RunAsync();
        }

        public IPEndPoint Endpoint => (IPEndPoint)_listener.LocalEndpoint;

        public void Stall() => _stalled = true;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _run;
            _stop.Dispose();
        }

        private async Task RunAsync()
        {
            try
            {
                using var inbound = await _listener.AcceptSocketAsync(_stop.Token);
                using var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await outbound.ConnectAsync(_target, _stop.Token);
                await Task.WhenAll(PumpAsync(inbound, outbound), PumpAsync(outbound, inbound));
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // Torn down.
            }
        }

        private async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[65536];
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                while (_stalled)
                {
                    await Task.Delay(100, _stop.Token);
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
    }
}
