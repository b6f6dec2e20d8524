using System.Net;
using System.Net.Sockets;
using Roost.Core.Model;
using Roost.Hypervisor.Recovery;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>Failback over TCP on loopback: only the differing blocks move, the images end equal, and a wrong key moves nothing.</summary>
public sealed class DiskResyncTests : IDisposable
{
    private const int DiskBytes = 8 * 1024 * 1024;
    private const int BlockBytes = 64 * 1024;
    private static readonly byte[] _key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 5))];
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-resync-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Resync_MovesOnlyChangedBlocks_AndLeavesTheImagesEqual()
    {
        var random = new Random(17);
        var cloud = new byte[DiskBytes];
        random.NextBytes(cloud);
        var primary = (byte[])cloud.Clone();
        int[] changed = [0, 5, 77, 127];
        foreach (var block in changed)
        {
            primary[(block * BlockBytes) + random.Next(BlockBytes)] ^= 0x5A;
        }

        await File.WriteAllBytesAsync(Path.Combine(_folder, "cloud.img"), cloud);
        await File.WriteAllBytesAsync(Path.Combine(_folder, "primary.img"), primary);
        var port = FreePort();

        var receiving = DiskResync.ReceiveAsync(new IPEndPoint(IPAddress.Loopback, port), _key, new VmId(1), Path.Combine(_folder, "primary.img"), BlockBytes, CancellationToken.None);
        var sent = await SendWhenListeningAsync(port, _key);
        var received = await receiving.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(cloud, await File.ReadAllBytesAsync(Path.Combine(_folder, "primary.img")));
        Assert.Equal((128L, changed.Length), (sent.Blocks, (int)sent.BlocksMoved));
        Assert.Equal(changed.Length, received.BlocksMoved);
        Assert.True(sent.BytesSent < (changed.Length + 1) * BlockBytes, $"{sent.BytesSent} bytes sent for {changed.Length} blocks");
        Assert.Equal(sent.BytesSent, received.BytesReceived);
    }

    [Fact]
    public async Task Resync_WrongKey_FailsAndChangesNothing()
    {
        var cloud = new byte[DiskBytes];
        cloud[0] = 1;
        await File.WriteAllBytesAsync(Path.Combine(_folder, "cloud.img"), cloud);
        await File.WriteAllBytesAsync(Path.Combine(_folder, "primary.img"), new byte[DiskBytes]);
        var port = FreePort();

        var receiving = DiskResync.ReceiveAsync(new IPEndPoint(IPAddress.Loopback, port), _key, new VmId(1), Path.Combine(_folder, "primary.img"), BlockBytes, CancellationToken.None);
        var sending = SendWhenListeningAsync(port, [.. Enumerable.Repeat((byte)1, 32)]);

        await Assert.ThrowsAnyAsync<Exception>(() => sending);
        await Assert.ThrowsAnyAsync<Exception>(() => receiving.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(0, (await File.ReadAllBytesAsync(Path.Combine(_folder, "primary.img")))[0]);
    }

    private async Task<DiskResync.Report> SendWhenListeningAsync(int port, byte[] key)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await DiskResync.SendAsync(new IPEndPoint(IPAddress.Loopback, port), key, new VmId(1), Path.Combine(_folder, "cloud.img"), BlockBytes, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (SocketException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
