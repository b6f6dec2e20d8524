using System.Net;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Recovery;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// <see cref="ProtectedDiskServer.ShipInitialCopyAsync"/> into a real replication server on loopback, no QEMU: the
/// replica equals the local image (every block not all zeros shipped, each its own bytes though one buffer is read
/// into), and an image cut short under the server is an error, not a copy with its tail left out.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProtectedDiskServerTests : IDisposable
{
    // Sixteen 64 KiB blocks and a short last one.
    private const long DiskBytes = (1024 * 1024) + 4096;
    private static readonly byte[] _key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7))];
    private static readonly VmId _vm = new(1);
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-drdisk-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task InitialCopy_ShipsEveryBlockNotAllZeros_AndTheReplicaEqualsTheImage()
    {
        var local = Path.Combine(_folder, "local.img");
        var expected = new byte[DiskBytes];
        var random = new Random(7);
        foreach (var offset in new[] { 0L, 5 * 65536L + 100, 16 * 65536L })
        {
            random.NextBytes(expected.AsSpan((int)offset, 3000));
        }

        await File.WriteAllBytesAsync(local, expected);
        long shipped;
        await using (var server = StartServer())
        {
            await using var replication = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Sync }, [_vm], TimeProvider.System, _ => { });
            await using var disk = ProtectedDiskServer.Start(Path.Combine(_folder, "disk.nbd"), local, DiskBytes, _vm, replication, _ => { });
            shipped = await disk.ShipInitialCopyAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        Assert.Equal((2 * 65536L) + 4096, shipped);
        using var store = new ReplicaStore(Path.Combine(_folder, "site"), [new ProtectedDisk(_vm, DiskBytes)]);
        Assert.Equal(3, store.Recover().Applied[_vm]);
        var replica = Path.Combine(_folder, "replica.img");
        store.Export(_vm, 3, replica);
        Assert.Equal(expected, await File.ReadAllBytesAsync(replica));
    }

    [Fact]
    public async Task InitialCopy_ImageCutShort_IsAnError()
    {
        var local = Path.Combine(_folder, "local.img");
        await File.WriteAllBytesAsync(local, new byte[DiskBytes]);
        await using var server = StartServer();
        await using var replication = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Sync }, [_vm], TimeProvider.System, _ => { });
        await using var disk = ProtectedDiskServer.Start(Path.Combine(_folder, "disk.nbd"), local, DiskBytes, _vm, replication, _ => { });
        using (var cut = new FileStream(local, FileMode.Open, FileAccess.Write))
        {
            cut.SetLength(DiskBytes - 4096 - 65536);
        }

        var error = await Assert.ThrowsAsync<IOException>(disk.ShipInitialCopyAsync);

        Assert.Equal($"the local disk image ended at byte {DiskBytes - 4096 - 65536}, short of the disk's {DiskBytes}", error.Message);
    }

    private ReplicationServer StartServer() => ReplicationServer.Start(
        new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "site"), [new ProtectedDisk(_vm, DiskBytes)], new ReplicationManagerOptions(), TimeProvider.System, _ => { });
}
