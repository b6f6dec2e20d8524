using Roost.Core.Model;
using Roost.Core.Monitoring;

namespace Roost.Core.Balancing;

/// <summary>
/// One Sandpiper control step over what monitoring holds: find hot hosts with the k-of-n rule, estimate each VM's
/// need with a provisioner (black-box or gray-box), and plan. Holds no state of its own; the caller owns the
/// <see cref="ClusterMonitor"/> and applies the plan.
/// </summary>
public sealed class SandpiperEngine
{
    private readonly SandpiperPlanner _planner;

    public SandpiperEngine(IVmProvisioner provisioner, SandpiperOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(provisioner);
        Provisioner = provisioner;
        _planner = new SandpiperPlanner(options);
    }

    public IVmProvisioner Provisioner { get; }

    public SandpiperOptions Options => _planner.Options;

    /// <summary>Black-box Sandpiper: <see cref="BlackBoxProvisioner"/> with the options' provisioning settings.</summary>
    public static SandpiperEngine BlackBox(SandpiperOptions? options = null)
    {
        var o = options ?? SandpiperOptions.Default;
        return new SandpiperEngine(new BlackBoxProvisioner(o.Provisioning, o.Rule), o);
    }

    /// <summary>Gray-box Sandpiper: <see cref="GrayBoxProvisioner"/> with the options' provisioning settings.</summary>
    public static SandpiperEngine GrayBox(SandpiperOptions? options = null)
    {
        var o = options ?? SandpiperOptions.Default;
        return new SandpiperEngine(new GrayBoxProvisioner(o.Provisioning, o.Rule), o);
    }

    /// <summary>Turns monitoring state into a planning input. A host is hot when any of its resources is.</summary>
    public SandpiperInput Assess(TimeSpan now, IReadOnlyList<HostSnapshot> hosts, IReadOnlyList<VmSnapshot> vms, ClusterMonitor monitor)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        ArgumentNullException.ThrowIfNull(vms);
        ArgumentNullException.ThrowIfNull(monitor);

        var capacities = new Dictionary<HostId, ResourceVector>(hosts.Count);
        var hot = new HashSet<HostId>();
        var rule = Options.Rule;
        foreach (var host in hosts)
        {
            capacities[host.Id] = host.Capacity;
            if (monitor.TryGetHost(host.Id, out var history)
                && (rule.IsHot(history.Cpu, host.Capacity.CpuCores)
                    || rule.IsHot(history.Memory, host.Capacity.MemoryMiB)
                    || rule.IsHot(history.Network, host.Capacity.NetworkMbps)))
            {
                hot.Add(host.Id);
            }
        }

        var assessed = new VmAssessment[vms.Count];
        for (var i = 0; i < vms.Count; i++)
        {
            var vm = vms[i];
            if (!capacities.TryGetValue(vm.Host, out var capacity))
            {
                throw new ArgumentException($"VM {vm.Id} is on {vm.Host}, which is not among the hosts.", nameof(vms));
            }

            var need = monitor.TryGetVm(vm.Id, out var history)
                ? Provisioner.EstimateNeed(vm, capacity, history)
                : ResourceVector.Min(vm.Allocation, capacity);
            assessed[i] = new VmAssessment(vm, need);
        }

        return new SandpiperInput(now, hosts, assessed, hot);
    }

    public SandpiperPlan Plan(SandpiperInput input) => _planner.Plan(input);

    public SandpiperPlan Step(TimeSpan now, IReadOnlyList<HostSnapshot> hosts, IReadOnlyList<VmSnapshot> vms, ClusterMonitor monitor) =>
        _planner.Plan(Assess(now, hosts, vms, monitor));
}
