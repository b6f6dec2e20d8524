using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Balancing;

/// <summary>
/// Sandpiper's gray-box profiling (Wood et al., NSDI 2007, gray-box monitoring and provisioning): where a guest daemon reports statistics, use them
/// instead of guessing. Memory need = the guest's working set plus headroom (at least what is in use), so a swapping
/// VM is sized in one step instead of growing by increments; if the guest still swaps although its working-set
/// estimate fits, fall back to the black-box growth. CPU need = the smallest allocation whose G/G/1 capacity
/// (<see cref="KingmanBound"/>) serves the observed arrival rate at the target response time, so a VM pinned at its
/// cap with a growing queue is seen as needing more. Without statistics, the black-box estimate stands.
/// </summary>
public sealed class GrayBoxProvisioner : IVmProvisioner
{
    private readonly ProvisioningOptions _options;
    private readonly BlackBoxProvisioner _blackBox;

    public GrayBoxProvisioner(ProvisioningOptions? options = null, HotspotRule? rule = null)
    {
        _options = options ?? ProvisioningOptions.Default;
        _blackBox = new BlackBoxProvisioner(_options, rule);
    }

    public string Name => "gray-box";

    public ResourceVector EstimateNeed(VmSnapshot vm, ResourceVector hostCapacity, UsageHistory history)
    {
        ArgumentNullException.ThrowIfNull(vm);
        ArgumentNullException.ThrowIfNull(history);
        var need = _blackBox.EstimateNeed(vm, hostCapacity, history);
        if (history.Count == 0)
        {
            return need;
        }

        if (history.LatestApplication is { } application)
        {
            need = need with { CpuCores = Math.Min(KingmanBound.RequiredCpuCores(application), hostCapacity.CpuCores) };
        }

        if (history.LatestGuest is { } guest)
        {
            var memory = Math.Max(guest.WorkingSetMiB * (1 + _options.MemoryHeadroomFraction), guest.InUseMiB);
            if (guest.SwapMiBPerSecond > _options.SwapActivityMiBPerSecond && memory <= vm.Allocation.MemoryMiB)
            {
                memory = vm.Allocation.MemoryMiB * (1 + _options.SwapGrowthFraction);
            }

            need = need with { MemoryMiB = Math.Min(memory, hostCapacity.MemoryMiB) };
        }

        return need;
    }
}
