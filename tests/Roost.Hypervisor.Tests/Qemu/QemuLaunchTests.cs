using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

public sealed class QemuLaunchTests
{
    private static readonly GuestImage _image = new("minimal", "/img/kernel", "/img/initrd.cpio", "6.1.0-test-amd64", KernelIsVmlinux: true);

    [Fact]
    public void Arguments_PutGuestRamInASharedFile()
    {
        var launch = new QemuLaunch("qemu", _image, new GuestSpec("vm-1", 2, 128), Accelerator.Tcg, "/run/a", "/dev/shm/roost.a.vm-1");

        var args = string.Join(' ', launch.Arguments());

        Assert.Contains("-object memory-backend-file,id=ram,size=128M,mem-path=/dev/shm/roost.a.vm-1,share=on", args, StringComparison.Ordinal);
        Assert.Contains("-machine pc,memory-backend=ram", args, StringComparison.Ordinal);
        Assert.Contains("-smp 2", args, StringComparison.Ordinal);
        Assert.Contains("-accel tcg", args, StringComparison.Ordinal);
        Assert.DoesNotContain("-incoming", args, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_WithMergeableMemory_PutGuestRamInPrivateMergeableMemory_AndNoFile()
    {
        var launch = new QemuLaunch("qemu", _image, new GuestSpec("vm-1", 2, 128), Accelerator.Tcg, "/run/a", "/dev/shm/roost.a.vm-1") { MergeableMemory = true };

        var args = string.Join(' ', launch.Arguments());

        Assert.Contains("-object memory-backend-ram,id=ram,size=128M,merge=on", args, StringComparison.Ordinal);
        Assert.Contains("-machine pc,memory-backend=ram", args, StringComparison.Ordinal);
        Assert.DoesNotContain("/dev/shm", args, StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_SourceAndDestination_DifferOnlyInHostLocalPathsAndIncoming()
    {
        var spec = new GuestSpec("vm-1", 1, 256);
        var source = new QemuLaunch("qemu", _image, spec, Accelerator.Tcg, "/run/a", "/dev/shm/roost.a.vm-1");
        var destination = new QemuLaunch("qemu", _image, spec, Accelerator.Tcg, "/run/b", "/dev/shm/roost.b.vm-1", "tcp:127.0.0.1:4444");

        var sourceArgs = source.Arguments().Select(a => a.Replace("/run/a", "RUN", StringComparison.Ordinal).Replace("roost.a.", "roost.X.", StringComparison.Ordinal));
        var destinationArgs = destination.Arguments().Select(a => a.Replace("/run/b", "RUN", StringComparison.Ordinal).Replace("roost.b.", "roost.X.", StringComparison.Ordinal));

        Assert.Equal([.. sourceArgs, "-S", "-incoming", "tcp:127.0.0.1:4444"], destinationArgs);
    }

    [Fact]
    public void Arguments_WithADisk_AddAVirtioDiskOnTheRawFileInTheRunDirectory()
    {
        var launch = new QemuLaunch("qemu", _image, new GuestSpec("vm-1", 1, 128, DiskMiB: 1024), Accelerator.Tcg, "/run/a,b", "/dev/shm/roost.a.vm-1");

        var args = launch.Arguments().ToList();

        var blockdev = System.Text.Json.JsonDocument.Parse(args[args.IndexOf("-blockdev") + 1]).RootElement;
        Assert.Equal("raw", blockdev.GetProperty("driver").GetString());
        Assert.Equal(QemuLaunch.DiskNode, blockdev.GetProperty("node-name").GetString());
        Assert.Equal("/run/a,b/vm-1.disk", blockdev.GetProperty("file").GetProperty("filename").GetString());
        Assert.Equal("virtio-blk-pci,drive=disk0,id=disk0-device", args[args.IndexOf("-device") + 1]);
        Assert.Contains(launch.DiskPath, launch.OwnedFiles());
    }

    [Fact]
    public void Arguments_WithoutADisk_HaveNoBlockDevice()
    {
        var launch = new QemuLaunch("qemu", _image, new GuestSpec("vm-1", 1, 128), Accelerator.Tcg, "/run/a", "/dev/shm/roost.a.vm-1");

        Assert.DoesNotContain("-blockdev", launch.Arguments());
        Assert.DoesNotContain(launch.DiskPath, launch.OwnedFiles());
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(16, null)]
    [InlineData(65536, null)]
    [InlineData(15, "diskMiB 15")]
    [InlineData(-1, "diskMiB -1")]
    [InlineData(65537, "diskMiB 65537")]
    public void GuestSpecValidate_DiskSizeIsNoneOrInItsRange(int diskMiB, string? expected)
    {
        var error = new GuestSpec("vm", 1, 128, diskMiB).Validate();

        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.StartsWith(expected, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("vm-1", 1, 128, null)]
    [InlineData("VM", 1, 128, "VM id 'VM'")]
    [InlineData("-vm", 1, 128, "VM id '-vm'")]
    [InlineData("vm", 0, 128, "cpus 0")]
    [InlineData("vm", 1, 32, "memoryMiB 32")]
    public void GuestSpecValidate_NamesTheBadField(string id, int cpus, int memory, string? expected)
    {
        var error = new GuestSpec(id, cpus, memory).Validate();

        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.NotNull(error);
            Assert.StartsWith(expected, error, StringComparison.Ordinal);
        }
    }
}
