using System.Globalization;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// What makes a run's figures cover fewer VMs than its workload has, said in one line each with how many and why:
/// the warnings <c>roost simulate</c> prints on stderr and writes into its JSON and report.
/// </summary>
public static class PlacementWarnings
{
    /// <summary>
    /// A CloudSim baseline's VMs that fit no host at t = 0 and so never ran (CloudSim's broker drops them), by cause:
    /// virtual cores faster than every host's core (the time-shared scheduler refuses a VM whose per-core MIPS exceed
    /// the host's), more memory than any host has, or no host left with room.
    /// </summary>
    public static IReadOnlyList<string> ForBaseline(DataCenterSetup setup, Workload workload, IReadOnlyList<int> unplaced)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(unplaced);
        if (unplaced.Count == 0)
        {
            return [];
        }

        var c = CultureInfo.InvariantCulture;
        var fastestCore = setup.HostTypes.Max(t => t.MipsPerCore);
        var mostRam = setup.HostTypes.Max(t => t.RamMiB);
        int tooFast = 0, tooLarge = 0, noRoom = 0;
        var fastestVmCore = 0.0;
        foreach (var v in unplaced)
        {
            var (mips, cores, ram, _) = setup.VmSize(workload.Vms[v], v, workload.Vms.Count);
            var perCore = mips / Math.Max(1, cores);
            if (perCore > fastestCore)
            {
                tooFast++;
                fastestVmCore = Math.Max(fastestVmCore, perCore);
            }
            else if (ram > mostRam)
            {
                tooLarge++;
            }
            else
            {
                noRoom++;
            }
        }

        var causes = new List<string>();
        if (tooFast > 0)
        {
            causes.Add(string.Create(c, $"{tooFast} have virtual cores faster than the fastest host core (up to {fastestVmCore:0.##} MIPS, above {fastestCore:0.##} MIPS)"));
        }

        if (tooLarge > 0)
        {
            causes.Add(string.Create(c, $"{tooLarge} need more memory than any host has ({mostRam} MiB)"));
        }

        if (noRoom > 0)
        {
            causes.Add(string.Create(c, $"{noRoom} found no host with room left at t = 0"));
        }

        return [string.Create(c, $"{unplaced.Count} of {workload.Vms.Count} VMs never ran (no host could create them): {string.Join("; ", causes)}; the figures cover only the others")];
    }

    /// <summary>
    /// Sandpiper's: VMs placed at t = 0 on a host without room for them (memory and CPU not honoured for them), and
    /// VMs with cores faster than the hosts' (which Sandpiper's pooled-MIPS model runs, but a CloudSim baseline on the
    /// same fleet refuses: comparing the two then compares different sets of VMs).
    /// </summary>
    public static IReadOnlyList<string> ForSandpiper(DataCenterSetup setup, Workload workload, int placedWithoutRoom)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(workload);
        var c = CultureInfo.InvariantCulture;
        var warnings = new List<string>();
        if (placedWithoutRoom > 0)
        {
            warnings.Add(string.Create(c, $"{placedWithoutRoom} of {workload.Vms.Count} VMs fit no host with room at t = 0 and were put on the least-loaded host anyway, beyond its capacity (their CPU or memory allocation is not honoured)"));
        }

        var fastestCore = setup.HostTypes.Max(t => t.MipsPerCore);
        var fast = 0;
        var fastestVmCore = 0.0;
        for (var v = 0; v < workload.Vms.Count; v++)
        {
            var (mips, cores, _, _) = setup.VmSize(workload.Vms[v], v, workload.Vms.Count);
            var perCore = mips / Math.Max(1, cores);
            if (perCore > fastestCore)
            {
                fast++;
                fastestVmCore = Math.Max(fastestVmCore, perCore);
            }
        }

        if (fast > 0)
        {
            warnings.Add(string.Create(c, $"{fast} of {workload.Vms.Count} VMs have virtual cores faster than the fastest host core (up to {fastestVmCore:0.##} MIPS, above {fastestCore:0.##} MIPS): the Sandpiper model pools the MIPS of a host and runs them, the CloudSim scheduler on the same fleet refuses them"));
        }

        return warnings;
    }

    /// <summary>A baseline's VMs that ran but left before the end, their demand having fallen to exactly 0 (CloudSim's getCompletedVms).</summary>
    public static IReadOnlyList<string> LeftEarly(int count, int vms) => count > 0
        ? [string.Create(CultureInfo.InvariantCulture, $"{count} of {vms} VMs left the data center before the end when their demand fell to exactly 0 (as CloudSim has it)")]
        : [];
}
