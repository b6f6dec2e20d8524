using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Balancing;

/// <summary>
/// Sandpiper's black-box profiling (Wood et al., NSDI 2007, black-box monitoring and provisioning): only what the hypervisor sees. CPU and network
/// need = max(p-th percentile of the window's profile, AR(1) forecast of the next sample); a VM pinned at its cap
/// (usage ≥ the saturation fraction of its allocation in k of the last n samples) hides its true demand, so its need
/// is at least its allocation grown by a fixed fraction, and grows again each step it stays pinned. Memory need is the
/// same profile-or-forecast estimate, but a black box learns of memory pressure only from swapping: while swap
/// traffic is seen, memory need is the allocation grown by a fixed fraction.
/// </summary>
public sealed class BlackBoxProvisioner : IVmProvisioner
{
    private readonly ProvisioningOptions _options;
    private readonly HotspotRule _rule;

    public BlackBoxProvisioner(ProvisioningOptions? options = null, HotspotRule? rule = null)
    {
        _options = options ?? ProvisioningOptions.Default;
        _rule = rule ?? HotspotRule.Default;
        if (_options.Percentile is < 0 or > 100 || double.IsNaN(_options.Percentile))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Percentile, "The profile percentile must lie in [0, 100].");
        }

        if (_options.SaturationFraction is <= 0 or > 1 || double.IsNaN(_options.SaturationFraction))
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.SaturationFraction, "The saturation fraction must lie in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(_options.SaturationGrowthFraction, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.SwapGrowthFraction, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.SwapActivityMiBPerSecond, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MemoryHeadroomFraction, nameof(options));
    }

    public string Name => "black-box";

    public ResourceVector EstimateNeed(VmSnapshot vm, ResourceVector hostCapacity, UsageHistory history)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(history);
        if (history.Count == 0)
        {
            return ResourceVector.Min(vm.Allocation, hostCapacity);
        }

        var allocation = vm.Allocation;
        var cpu = Estimate(history.Cpu, allocation.CpuCores);
        var network = Estimate(history.Network, allocation.NetworkMbps);
        var memory = Estimate(history.Memory, allocated: 0);
        if (history.Swap.Latest > _options.SwapActivityMiBPerSecond)
        {
            memory = Math.Max(memory, allocation.MemoryMiB * (1 + _options.SwapGrowthFraction));
        }

        return ResourceVector.Min(new ResourceVector(cpu, memory, network), hostCapacity);
    }

    /// <summary>max(percentile, forecast), raised when pinned at a positive <paramref name="allocated"/> cap.</summary>
    private double Estimate(SampleWindow window, double allocated)
    {
        Span<double> values = window.Count <= 256 ? stackalloc double[window.Count] : new double[window.Count];
        window.CopyTo(values);
        var forecast = Ar1Model.Fit(values).Forecast;
        var pinned = allocated > 0 && CountAtLeast(values, _options.SaturationFraction * allocated) >= _rule.K;
        var need = Math.Max(0, Math.Max(UsageProfile.PercentileInPlace(values, _options.Percentile), forecast));
        return pinned ? Math.Max(need, allocated * (1 + _options.SaturationGrowthFraction)) : need;
    }

    private int CountAtLeast(ReadOnlySpan<double> chronological, double level)
    {
        var count = 0;
        foreach (var x in chronological[Math.Max(0, chronological.Length - _rule.N)..])
        {
            if (x >= level)
            {
                count++;
            }
        }

        return count;
    }
}
