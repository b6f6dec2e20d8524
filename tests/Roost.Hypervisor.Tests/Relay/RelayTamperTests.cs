using System.Net;
using System.Net.Sockets;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Relay;

namespace Roost.Hypervisor.Tests.Relay;

/// <summary>
/// <c>roost relay tamper</c> between the two relay ends on loopback, with a stand-in for the incoming QEMU: a data
/// frame with one bit flipped is refused by its MAC before a byte of it reaches QEMU; bytes that are not frames of
/// the migration's secret pass through unchanged (the tamper holds at most one frame, whatever comes).
/// </summary>
public sealed class RelayTamperTests
{
    [Fact]
    public async Task CorruptFrame_DestinationRefusesItByItsMac_QemuNeverGetsTheWholeStream()
    {
        var secret = RelayTestKit.Secret(11);
        var stream = new byte[4 << 20];
        new Random(11).NextBytes(stream);
        using var qemu = new FakeQemu.Incoming();
        await using var destination = DestinationRelay.Start(IPAddress.Loopback, secret, [qemu.Endpoint], [], RelayTestKit.Quick, TimeProvider.System);
        await using var tamper = RelayTamper.Start(IPAddress.Loopback, new IPEndPoint(IPAddress.Loopback, destination.Port), secret, "corrupt", 1 << 20);
        await using var source = SourceRelay.Start(new IPEndPoint(IPAddress.Loopback, tamper.Port), secret, new RelayCodecOptions { Compression = FrameCodec.None }, 1, RelayTestKit.Quick, TimeProvider.System);

        var sent = await FakeQemu.SendAsync(source.QemuUris[0], stream).WaitAsync(TimeSpan.FromSeconds(60));
        var atDestination = await destination.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        var spoiled = await tamper.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        var (received, clean) = await qemu.Received.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.StartsWith("tamper: flipped one bit of data frame", spoiled, StringComparison.Ordinal);
        Assert.False(atDestination.Completed);
        Assert.Contains("fails its MAC", atDestination.Failure, StringComparison.Ordinal);
        Assert.False(sent && clean && received.AsSpan().SequenceEqual(stream), "the incoming QEMU got the whole stream despite a corrupted frame");
        Assert.True(received.AsSpan().SequenceEqual(stream.AsSpan(0, received.Length)), "a byte that reached the incoming QEMU differs from the source's");
    }

    [Fact]
    public async Task BytesThatAreNotFramesOfTheSecret_PassThroughUnchanged()
    {
        var garbage = new byte[3 << 20];
        new Random(12).NextBytes(garbage);
        using var far = new TcpListener(IPAddress.Loopback, 0);
        far.Start(1);
        await using var tamper = RelayTamper.Start(IPAddress.Loopback, (IPEndPoint)far.LocalEndpoint, RelayTestKit.Secret(12), "corrupt", 0);
        using var near = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await near.ConnectAsync(new IPEndPoint(IPAddress.Loopback, tamper.Port));
        using var accepted = await far.AcceptSocketAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var receiving = ReceiveAllAsync(accepted);
        await near.SendAsync(garbage, SocketFlags.None);
        near.Shutdown(SocketShutdown.Send);
        var received = await receiving.WaitAsync(TimeSpan.FromSeconds(60));
        accepted.Shutdown(SocketShutdown.Send);

        Assert.Equal(garbage, received);
        Assert.Null(await tamper.Completion.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    private static async Task<byte[]> ReceiveAllAsync(Socket socket)
    {
        using var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return all.ToArray();
    }
}
