using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

public sealed class GuestNicTests
{
    private static readonly GuestImage _image = new("minimal", "/img/kernel", "/img/initrd.cpio", "6.1.0-test-amd64", KernelIsVmlinux: true);

    [Fact]
    public void Arguments_WithANic_AddATapNetdevAVirtioNicWithTheVmsMac_AndTheAddressOnTheKernelCommandLine()
    {
        var spec = new GuestSpec("vm-1", 1, 128, Nic: new GuestNic("tenant-a", "10.70.0.5/24", "10.70.0.1"));
        var launch = new QemuLaunch("qemu", _image, spec, Accelerator.Tcg, "/run/a", "/dev/shm/roost.a.vm-1", TapName: "rt0123456789ab", Bridge: "br-a");

        var args = launch.Arguments().ToList();

        Assert.Equal("tap,id=net0,ifname=rt0123456789ab,script=no,downscript=no", args[args.IndexOf("-netdev") + 1]);
        Assert.Equal($"virtio-net-pci,netdev=net0,mac={GuestNic.MacFor("vm-1")},id=net0-device", args[args.IndexOf("-device") + 1]);
        Assert.EndsWith(" roost.ip=10.70.0.5/24 roost.gw=10.70.0.1", args[args.IndexOf("-append") + 1], StringComparison.Ordinal);
    }

    [Fact]
    public void Arguments_SourceAndDestination_OfAVmWithANic_DifferOnlyInHostLocalNames()
    {
        var spec = new GuestSpec("vm-1", 1, 128, Nic: new GuestNic("tenant-a", "10.70.0.5/24"));
        var source = new QemuLaunch("qemu", _image, spec, Accelerator.Tcg, "/run/a", "/dev/shm/roost.a.vm-1", null, GuestNic.TapNameFor("a", "vm-1"), "br0");
        var destination = new QemuLaunch("qemu", _image, spec, Accelerator.Tcg, "/run/a", "/dev/shm/roost.a.vm-1", null, GuestNic.TapNameFor("b", "vm-1"), "br1");

        var differing = source.Arguments().Zip(destination.Arguments()).Where(p => p.First != p.Second).ToList();

        Assert.Contains($"ifname={GuestNic.TapNameFor("a", "vm-1")},", Assert.Single(differing).First, StringComparison.Ordinal);
        Assert.NotEqual(GuestNic.TapNameFor("a", "vm-1"), GuestNic.TapNameFor("b", "vm-1"));
    }

    [Fact]
    public void Arguments_WithANicButNoTap_Throw()
    {
        var spec = new GuestSpec("vm-1", 1, 128, Nic: new GuestNic("tenant-a", "10.70.0.5/24"));

        Assert.Throws<InvalidOperationException>(() => new QemuLaunch("qemu", _image, spec, Accelerator.Tcg, "/run/a", "/dev/shm/x").Arguments());
    }

    [Fact]
    public void MacAndTapName_AreStableLocallyAdministeredUnicast_AndFitTheKernelsNameLimit()
    {
        var mac = GuestNic.MacFor("vm-1");

        Assert.Matches("^02(:[0-9a-f]{2}){5}$", mac);
        Assert.Equal(mac, GuestNic.MacFor("vm-1"));
        Assert.NotEqual(mac, GuestNic.MacFor("vm-2"));
        Assert.Matches("^rt[0-9a-f]{12}$", GuestNic.TapNameFor("agent-with-a-long-name", "vm-with-a-long-id-of-32-chars-xx"));
    }

    [Theory]
    [InlineData("tenant-a", "10.70.0.5/24", null, null)]
    [InlineData("tenant-a", "10.70.0.5/24", "10.70.0.1", null)]
    [InlineData("Tenant", "10.70.0.5/24", null, "nic network 'Tenant'")]
    [InlineData("a;rm", "10.70.0.5/24", null, "nic network")]
    [InlineData("tenant-a", "10.70.0.5", null, "nic address '10.70.0.5'")]
    [InlineData("tenant-a", "10.70.0.5/31", null, "prefix length from 8 to 30")]
    [InlineData("tenant-a", "10.70.0.0/24", null, "network or broadcast")]
    [InlineData("tenant-a", "10.70.0.255/24", null, "network or broadcast")]
    [InlineData("tenant-a", "010.70.0.5/24", null, "nic address")]
    [InlineData("tenant-a", "10.70.0.5/024", null, "nic address")]
    [InlineData("tenant-a", "10.70.0.5/24 x", null, "nic address")]
    [InlineData("tenant-a", "::1/64", null, "nic address")]
    [InlineData("tenant-a", "10.70.0.5/24", "10.71.0.1", "inside 10.70.0.5/24's subnet")]
    [InlineData("tenant-a", "10.70.0.5/24", "10.70.0.5", "another address")]
    [InlineData("tenant-a", "10.70.0.5/24", "10.70.0.1 roost.x=1", "nic gateway")]
    public void Validate_AllowsOnlyWellFormedNetworkNamesAndAddresses(string network, string address, string? gateway, string? expected)
    {
        var error = new GuestSpec("vm", 1, 128, Nic: new GuestNic(network, address, gateway)).Validate();

        if (expected is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.NotNull(error);
            Assert.Contains(expected, error, StringComparison.Ordinal);
        }
    }
}
