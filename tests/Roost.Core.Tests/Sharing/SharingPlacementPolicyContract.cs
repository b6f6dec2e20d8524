using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

/// <summary>What every sharing placement policy must guarantee; each policy's tests inherit this.</summary>
public abstract class SharingPlacementPolicyContract
{
    protected virtual BloomParameters? Bloom => null;

    protected abstract ISharingPlacementPolicy CreatePolicy();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Place_RandomWorkload_NeverOvercommitsEffectiveMemoryComputedExactly(int seed)
    {
        var random = new Random(seed);
        var policy = CreatePolicy();
        var hosts = SyntheticDataCenter.Hosts(6, memoryPages: 4 * SyntheticDataCenter.VmPages, Bloom);
        var vms = SyntheticDataCenter.Vms(random, 60, profiles: 3, Bloom);

        var placed = SyntheticDataCenter.PlaceAll(policy, vms, hosts);

        Assert.True(placed > 0, $"seed {seed}: nothing placed");
        foreach (var host in hosts)
        {
            var exact = SharingFootprint.ExactUsedPages(host.Vms);
            Assert.True(exact <= host.MemoryPages, $"seed {seed}: {host.Id} uses {exact} pages exactly, capacity {host.MemoryPages}");
            Assert.True(host.UsedCpuCores <= host.CpuCores, $"seed {seed}: {host.Id} CPU overcommitted");
            Assert.True(host.UsedNetworkMbps <= host.NetworkMbps, $"seed {seed}: {host.Id} network overcommitted");
        }
    }

    [Fact]
    public void Place_NothingFits_IsRejectedNamingTheVm()
    {
        var hosts = SyntheticDataCenter.Hosts(2, memoryPages: 100, Bloom);
        var vm = SyntheticDataCenter.Vms(new Random(1), 1, 1, Bloom)[0];

        var rejected = Assert.IsType<SharingPlacementResult.Rejected>(CreatePolicy().Place(vm, hosts));

        Assert.Contains(vm.Id.ToString(), rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Place_TooManyCores_IsRejected()
    {
        var hosts = SyntheticDataCenter.Hosts(2, memoryPages: 1 << 20, Bloom);
        var vm = SyntheticDataCenter.Vms(new Random(1), 1, 1, Bloom)[0] with { CpuCores = 64 };

        Assert.IsType<SharingPlacementResult.Rejected>(CreatePolicy().Place(vm, hosts));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Place_SameInputs_SameAnswer_WhateverTheHostOrder(int seed)
    {
        var vms = SyntheticDataCenter.Vms(new Random(seed), 20, 2, Bloom);
        var hosts = SyntheticDataCenter.Hosts(4, memoryPages: 3 * SyntheticDataCenter.VmPages, Bloom);
        SyntheticDataCenter.PlaceAll(CreatePolicy(), vms.Take(8), hosts);
        var reversed = Enumerable.Reverse(hosts).ToList();

        var answers = vms.Skip(8).Select(vm => CreatePolicy().Place(vm, hosts)).ToList();
        var reversedAnswers = vms.Skip(8).Select(vm => CreatePolicy().Place(vm, reversed)).ToList();

        Assert.Equal(answers, reversedAnswers);
    }

    protected static SharingHost HostWith(int id, long memoryPages, BloomParameters? bloom, params SharingVm[] vms)
    {
        var host = SharingHost.Empty(new HostId(id), 32, 1000, memoryPages, default, bloom);
        return vms.Aggregate(host, (h, vm) => h.WithVm(vm, vm.MemoryPages));
    }
}
