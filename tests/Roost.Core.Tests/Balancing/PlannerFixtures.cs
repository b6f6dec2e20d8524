using Roost.Core.Balancing;
using Roost.Core.Model;

namespace Roost.Core.Tests.Balancing;

internal static class PlannerFixtures
{
    public static readonly TimeSpan Now = TimeSpan.FromSeconds(1000);

    public static HostSnapshot Host(int id, double cpuCores = 4, double memoryMiB = 4096, double networkMbps = 1000) =>
        new(new HostId(id), new ResourceVector(cpuCores, memoryMiB, networkMbps));

    /// <summary>A VM whose need is <paramref name="cpuNeed"/> cores, its memory size, and <paramref name="networkNeed"/> Mbit/s.</summary>
    public static VmAssessment Vm(
        int id,
        int host,
        double cpuNeed,
        double memoryMiB,
        double networkNeed = 0,
        double cpuCap = 4,
        double? memoryNeed = null,
        TimeSpan? lastMovedAt = null) =>
        new(
            new VmSnapshot(new VmId(id), new HostId(host), new ResourceVector(cpuCap, memoryMiB, 1000), lastMovedAt),
            new ResourceVector(cpuNeed, memoryNeed ?? memoryMiB, networkNeed));

    public static SandpiperInput Input(IReadOnlyList<HostSnapshot> hosts, IReadOnlyList<VmAssessment> vms, params int[] hot) =>
        new(Now, hosts, vms, hot.Select(h => new HostId(h)).ToHashSet());

    /// <summary>A plan as text: records holding lists compare by reference, so tests compare this.</summary>
    public static string Describe(SandpiperPlan plan) =>
        string.Join("\n", plan.Actions.Select(a => a.ToString())) + "\nunresolved: " + string.Join(",", plan.Unresolved);
}
