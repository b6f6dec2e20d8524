using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Balancing;

/// <summary>What every <see cref="IVmProvisioner"/> must do; each implementation's tests inherit this.</summary>
public abstract class VmProvisionerContract
{
    protected static readonly ResourceVector HostCapacity = new(4, 4096, 1000);

    protected static VmSnapshot Vm(double cpuCores = 2, double memoryMiB = 1024) =>
        new(new VmId(1), new HostId(1), new ResourceVector(cpuCores, memoryMiB, 1000));

    protected abstract IVmProvisioner CreateProvisioner();

    [Fact]
    public void EstimateNeed_NoObservations_IsTheAllocation()
    {
        var need = CreateProvisioner().EstimateNeed(Vm(), HostCapacity, new UsageHistory(12));

        Assert.Equal(Vm().Allocation, need);
    }

    [Fact]
    public void EstimateNeed_SteadyUsage_IsThatUsage()
    {
        var history = TestHistories.Of([0.8, 0.8, 0.8, 0.8, 0.8, 0.8], network: [50.0, 50, 50, 50, 50, 50]);

        var need = CreateProvisioner().EstimateNeed(Vm(), HostCapacity, history);

        Assert.Equal(0.8, need.CpuCores, 9);
        Assert.Equal(50, need.NetworkMbps, 9);
    }

    [Fact]
    public void EstimateNeed_Swapping_NeedsMoreMemoryThanAllocated()
    {
        var history = TestHistories.Of([0.5, 0.5, 0.5], swap: [0, 0, 20.0]);

        var need = CreateProvisioner().EstimateNeed(Vm(), HostCapacity, history);

        Assert.True(need.MemoryMiB > 1024, $"memory need {need.MemoryMiB}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EstimateNeed_RandomHistories_NeverNegativeNorAboveHostCapacity(int seed)
    {
        var random = new Random(seed);
        var provisioner = CreateProvisioner();
        for (var trial = 0; trial < 300; trial++)
        {
            var history = new UsageHistory(12);
            var vm = Vm(cpuCores: 0.5 + (random.NextDouble() * 4), memoryMiB: 256 + random.Next(4096));
            for (var i = random.Next(1, 20); i > 0; i--)
            {
                history.Add(
                    new UsageSample(new ResourceVector(random.NextDouble() * 4, vm.Allocation.MemoryMiB, random.NextDouble() * 1000), random.NextDouble() < 0.3 ? random.NextDouble() * 50 : 0),
                    random.NextDouble() < 0.5 ? new GuestMemoryStats(100, random.NextDouble() * 8192, random.NextDouble() * 5, 0) : null,
                    random.NextDouble() < 0.5 ? new ApplicationStats(random.NextDouble() * 100, 0.01 + (random.NextDouble() * 0.1), 0.001, 0.001, 0.5, vm.Allocation.CpuCores) : null);
            }

            var need = provisioner.EstimateNeed(vm, HostCapacity, history);

            Assert.True(need.FitsWithin(HostCapacity), $"seed {seed}, trial {trial}: {need} exceeds the host");
            Assert.True(ResourceVector.Zero.FitsWithin(need), $"seed {seed}, trial {trial}: {need} is negative");
        }
    }
}
