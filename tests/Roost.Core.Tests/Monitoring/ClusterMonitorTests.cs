using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Monitoring;

public sealed class ClusterMonitorTests
{
    [Fact]
    public void Record_KeepsSeparateSlidingWindowsPerHostAndVm()
    {
        var monitor = new ClusterMonitor(windowLength: 2);

        monitor.RecordHost(new HostId(1), new UsageSample(new ResourceVector(1, 100, 10)));
        monitor.RecordVm(new VmId(7), new UsageSample(new ResourceVector(0.5, 50, 5), SwapMiBPerSecond: 3));
        monitor.RecordVm(new VmId(7), new UsageSample(new ResourceVector(0.6, 60, 6)), new GuestMemoryStats(40, 45, 0, 0));
        monitor.RecordVm(new VmId(7), new UsageSample(new ResourceVector(0.7, 70, 7)));

        Assert.True(monitor.TryGetHost(new HostId(1), out var host));
        Assert.Equal([1.0], host.Cpu.ToArray());
        Assert.True(monitor.TryGetVm(new VmId(7), out var vm));
        Assert.Equal([0.6, 0.7], vm.Cpu.ToArray());
        Assert.Equal([0.0, 0.0], vm.Swap.ToArray());
        Assert.Null(vm.LatestGuest);
        Assert.False(monitor.TryGetVm(new VmId(8), out _));
    }

    [Fact]
    public void ForgetVm_DropsItsHistory()
    {
        var monitor = new ClusterMonitor();
        monitor.RecordVm(new VmId(1), new UsageSample(ResourceVector.Zero));

        monitor.ForgetVm(new VmId(1));

        Assert.False(monitor.TryGetVm(new VmId(1), out _));
    }
}
