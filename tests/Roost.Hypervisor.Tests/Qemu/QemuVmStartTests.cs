using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

public sealed class QemuVmStartTests
{
    [Fact]
    public async Task StartAsync_WhenQemuCannotRun_Throws_AndLeavesNeitherRamFileNorDisk()
    {
        var name = $"roost-start-{Environment.ProcessId}-{Path.GetRandomFileName()}";
        var directory = Path.Combine(Path.GetTempPath(), name);
        var launch = new QemuLaunch(
            Path.Combine(directory, "no-such-qemu"),
            new GuestImage("minimal", "/img/kernel", "/img/initrd.cpio", "6.1.0-test-amd64", KernelIsVmlinux: true),
            new GuestSpec("vm-1", 1, 128, DiskMiB: 16),
            Accelerator.Tcg,
            directory,
            $"/dev/shm/{name}");
        try
        {
            var e = await Assert.ThrowsAsync<QemuException>(() => QemuVm.StartAsync(launch, TimeProvider.System, CancellationToken.None));

            Assert.Contains("cannot run", e.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(launch.DiskPath), "the disk was left behind");
            Assert.False(File.Exists(launch.MemoryPath), "the RAM file was left behind");
        }
        finally
        {
            File.Delete(launch.MemoryPath);
            Directory.Delete(directory, recursive: true);
        }
    }
}
