using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration.Disk;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Disk;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Relay;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Disk;

/// <summary>
/// The disk migration's claim on real QEMUs (docs/experiments/cloudnet-disk.md; the WAN figures are a documented
/// command, this is its one fast test): a guest with a disk, part of it written by the guest, part holding file
/// content twice, migrates disk and memory with its disk mirrored through both NBD relay ends on loopback; the
/// destination's disk is byte-identical to the source's, the guest reads back what it wrote, and the relay put fewer
/// bytes on the link than the NBD stream held.
/// </summary>
[Collection(QemuNetworkTests.Name)]
public sealed class DiskMirrorQemuTests(QemuFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan _guestTimeout = TimeSpan.FromSeconds(90);

    [QemuFact]
    public async Task GuestWithADisk_MirroredThroughTheRelays_ArrivesByteIdentical_InFewerBytesThanNbdCarried()
    {
        var directory = Path.Combine(Path.GetTempPath(), "roost-tests", $"disk-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var spec = new GuestSpec("disk-vm", 1, 128, DiskMiB: 64);
        var incomingPort = FreeLoopbackPort();
        var secret = RandomNumberGenerator.GetBytes(RelaySecrets.SecretBytes);
        var sockets = Directory.CreateTempSubdirectory("roost-disk-test-");
        try
        {
            await using var source = await QemuVm.StartAsync(Launch(spec, directory, "src", null), TimeProvider.System, CancellationToken.None);
            WriteFileContentTwice(source.Launch.DiskPath, fixture.Image.KernelPath);
            await source.WaitUntilReadyAsync(_guestTimeout, CancellationToken.None);
            var fill = await source.Reporter.RequestAsync("disk fill 4", _guestTimeout, CancellationToken.None);
            output.WriteLine($"guest: {fill}");
            Assert.Equal(4, fill?.GetProperty("value").GetInt32());
            var destination = await QemuVm.StartAsync(Launch(spec, directory, "dst", $"tcp:127.0.0.1:{incomingPort}"), TimeProvider.System, CancellationToken.None);
            await using var destinationGuard = destination;
            var exportSocket = Path.Combine(sockets.FullName, "export.sock");

            await using var atDestination = NbdRelayDestination.Start(IPAddress.Loopback, secret, exportSocket, new RelayTimeouts(), TimeProvider.System);
            await using var atSource = NbdRelaySource.Start(new IPEndPoint(IPAddress.Loopback, atDestination.Port), secret, new RelayCodecOptions(), new RelayTimeouts(), TimeProvider.System, sockets.FullName);
            using var driver = new DiskMigrationDriver(source, new LocalDiskDestination(destination, exportSocket, ct => atDestination.Completion.WaitAsync(ct)), atSource.SocketPath, ct => MoveMemoryAsync(source, incomingPort, ct), new DiskMigrationSettings(), TimeProvider.System);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var outcome = await driver.RunAsync(deadline.Token);
            var sent = await atSource.Completion.WaitAsync(deadline.Token);
            var received = await atDestination.Completion.WaitAsync(deadline.Token);

            output.WriteLine($"outcome: {outcome}; NBD: {atSource.Requests.Writes} writes, {atSource.Requests.Blocks} blocks");
            output.WriteLine($"relay: {sent.Traffic}; source end: {sent.Failure ?? "whole"}; destination end: {received.Failure ?? "whole"}");
            Assert.IsType<DiskOutcome.Completed>(outcome);
            Assert.True(sent.Completed, sent.Failure);
            Assert.True(received.Completed, received.Failure);
            Assert.Equal(Sha256(source.Launch.DiskPath), Sha256(destination.Launch.DiskPath));
            Assert.True(sent.Traffic.WireBytes < sent.Traffic.StreamBytes, $"{sent.Traffic.WireBytes} bytes on the link for a {sent.Traffic.StreamBytes}-byte NBD stream");
            Assert.True(sent.Traffic.DeduplicatedPages > 0, "the second copy of the file content went whole");

            await destination.Qmp.ContinueAsync(CancellationToken.None);
            var check = await destination.Reporter.RequestAsync("disk check", _guestTimeout, CancellationToken.None);
            output.WriteLine($"guest at the destination: {check}");
            Assert.Equal(1, check?.GetProperty("value").GetInt32());
        }
        finally
        {
            File.Delete(MemoryPath(directory, "src"));
            File.Delete(MemoryPath(directory, "dst"));
            Directory.Delete(directory, recursive: true);
            sockets.Delete(recursive: true);
        }
    }

    /// <summary>Migrates the RAM over loopback TCP and waits for the source's <c>completed</c> (null) or a failure (its status).</summary>
    private static async Task<string?> MoveMemoryAsync(QemuVm source, int port, CancellationToken cancellationToken)
    {
        await source.Qmp.MigrateAsync($"tcp:127.0.0.1:{port}", cancellationToken);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = await source.Qmp.QueryMigrateAsync(cancellationToken);
            if (info.Status == "completed")
            {
                return null;
            }

            if (info.Status is "failed" or "cancelled")
            {
                return $"memory migration {info.Status}";
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>File content from 16 MiB on, twice (realistic, compressible, and repeated: what the relay saves on).</summary>
    private static void WriteFileContentTwice(string disk, string file)
    {
        var content = File.ReadAllBytes(file).AsSpan(0, 8 * 1024 * 1024).ToArray();
        using var handle = File.OpenHandle(disk, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        RandomAccess.Write(handle, content, 16L * 1024 * 1024);
        RandomAccess.Write(handle, content, 32L * 1024 * 1024);
    }

    private static string Sha256(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(file));
    }

    private QemuLaunch Launch(GuestSpec spec, string directory, string role, string? incoming) =>
        new(QemuEnvironment.Binary, fixture.Image, spec, fixture.Accelerator, Path.Combine(directory, role), MemoryPath(directory, role), incoming);

    private static string MemoryPath(string directory, string role) => $"/dev/shm/roost-test-{Path.GetFileName(directory)}-{role}";

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
