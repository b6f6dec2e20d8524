using System.Net;
using System.Net.Sockets;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Recovery;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>The replication protocol over real TCP on loopback into the file journal, and the journal after a restart.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ReplicationServerTests : IDisposable
{
    private const long DiskBytes = 1024 * 1024;
    private static readonly byte[] _key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 7))];
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-dr-").FullName;
    private readonly List<string> _log = [];

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ProtectedDisk[] Disks => [new(new VmId(1), DiskBytes), new(new VmId(2), DiskBytes)];

    private ReplicationServer StartServer() => ReplicationServer.Start(
        new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "site"), Disks,
        new ReplicationManagerOptions { CheckpointInterval = TimeSpan.FromMilliseconds(50), RetainCheckpoints = 2 }, TimeProvider.System, line => { lock (_log) { _log.Add(line); } });

    [Theory]
    [InlineData(ReplicationMode.Sync)]
    [InlineData(ReplicationMode.Pipelined)]
    public async Task Writes_ReachTheJournal_AndSurviveARestart(ReplicationMode mode)
    {
        var expected = new byte[DiskBytes];
        var random = new Random(5);
        await using (var server = StartServer())
        {
            await using var client = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = mode, MaxUnackedWrites = 16 }, [new VmId(1), new VmId(2)], TimeProvider.System, _ => { });
            var replies = new List<Task<bool>>();
            for (var i = 0; i < 60; i++)
            {
                var data = new byte[4096];
                random.NextBytes(data);
                var offset = random.Next(0, 256) * 4096L;
                data.CopyTo(expected, offset);
                await client.WriteAsync(new VmId(1), offset, data).WaitAsync(TimeSpan.FromSeconds(30));
                replies.Add(client.PacketAsync(new VmId(1), null));
            }

            Assert.All(await Task.WhenAll(replies).WaitAsync(TimeSpan.FromSeconds(30)), Assert.True);

            // Every reply left, so (sync or pipelined) every write is durable at the cloud site.
            Assert.Equal(60, server.Applied[new VmId(1)]);
        }

        using var reopened = new ReplicaStore(Path.Combine(_folder, "site"), Disks);
        Assert.Equal(60, reopened.Recover().Applied[new VmId(1)]);
        var image = Path.Combine(_folder, "vm-1.img");
        reopened.Export(new VmId(1), 60, image);
        Assert.Equal(expected, await File.ReadAllBytesAsync(image));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(image));
    }

    [Fact]
    public async Task BadFrame_ClosesThatConnection_AndTheServerGoesOn()
    {
        await using var server = StartServer();
        using (var rogue = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await rogue.ConnectAsync(server.LocalEndPoint);
            await rogue.SendAsync(new byte[] { 0, 0, 0, 60, (byte)'R', (byte)'D', (byte)'R', 1, 1 }.Concat(new byte[60]).ToArray());
            var buffer = new byte[16];
            Assert.Equal(0, await rogue.ReceiveAsync(buffer).WaitAsync(TimeSpan.FromSeconds(10)));
        }

        await using var client = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Sync }, [new VmId(2)], TimeProvider.System, _ => { });
        await client.WriteAsync(new VmId(2), 0, new byte[] { 1, 2, 3 }).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, server.Applied[new VmId(2)]);
        lock (_log)
        {
            Assert.Contains(_log, l => l.Contains("MAC does not match", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task JournalFailure_EndsCompletionWithTheReason_InsteadOfServingOn()
    {
        await using var server = StartServer();
        var vm = new VmId(2);
        var baseImage = Path.Combine(_folder, "site", "vm-2.base");
        File.Delete(baseImage);
        Directory.CreateDirectory(baseImage); // the first fold into the base image (third checkpoint, retain 2) fails
        await using var client = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Sync }, [vm], TimeProvider.System, _ => { });

        for (var i = 0; i < 200 && !server.Completion.IsCompleted; i++)
        {
            await Task.WhenAny(client.WriteAsync(vm, 0, new byte[] { (byte)i }), server.Completion).WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(60); // let a checkpoint (every 50 ms) see the new write
        }

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => server.Completion.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(failure is IOException or UnauthorizedAccessException, failure.ToString());
        Assert.Contains("vm-2.base", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Store_FoldsIntoTheBase_AndExportsAnyKeptPoint_AfterAReopen()
    {
        var site = Path.Combine(_folder, "store");
        var vm = new VmId(1);
        using (var store = new ReplicaStore(site, Disks))
        {
            for (var sequence = 1; sequence <= 4; sequence++)
            {
                store.Append(new ReplicationMessage.Write(vm, sequence, 0, new[] { (byte)sequence, (byte)sequence }));
            }

            store.Flush();
            store.RecordCheckpoint(new ReplicaCheckpoint(1, TimeSpan.Zero, DependencyVector.Empty.Raise(vm, 2)));
            store.RecordCheckpoint(new ReplicaCheckpoint(2, TimeSpan.FromSeconds(1), DependencyVector.Empty.Raise(vm, 3)));
            store.DropCheckpoint(1, DependencyVector.Empty.Raise(vm, 3));
        }

        using var reopened = new ReplicaStore(site, Disks);
        var recovered = reopened.Recover();
        Assert.Equal(4, recovered.Applied[vm]);
        Assert.Equal([2L], recovered.Checkpoints.Select(c => c.Id));
        Assert.Equal(3, recovered.Checkpoints[0].Applied[vm]);
        reopened.Export(vm, 3, Path.Combine(_folder, "at3"));
        reopened.Export(vm, 4, Path.Combine(_folder, "at4"));
        Assert.Equal(new byte[] { 3, 3 }, File.ReadAllBytes(Path.Combine(_folder, "at3"))[..2]);
        Assert.Equal(new byte[] { 4, 4 }, File.ReadAllBytes(Path.Combine(_folder, "at4"))[..2]);
        Assert.Throws<IOException>(() => reopened.Export(vm, 2, Path.Combine(_folder, "at2"))); // folded away
    }

    [Fact]
    public void Store_TornRecordAtTheJournalsEnd_IsCutOff()
    {
        var site = Path.Combine(_folder, "torn");
        var vm = new VmId(1);
        using (var store = new ReplicaStore(site, Disks))
        {
            store.Append(new ReplicationMessage.Write(vm, 1, 0, new byte[] { 9 }));
            store.Flush();
        }

        File.AppendAllBytes(Path.Combine(site, "vm-1.journal"), new byte[] { 0, 0, 0, 0, 0, 0, 0, 2, 0, 0 });

        using var reopened = new ReplicaStore(site, Disks);
        Assert.Throws<IOException>(() => new ReplicaStore(site, Disks)); // one owner at a time
        Assert.Equal(1, reopened.Recover().Applied[vm]);
        Assert.Equal(21, new FileInfo(Path.Combine(site, "vm-1.journal")).Length);
    }
}
