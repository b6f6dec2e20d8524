using System.Globalization;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// What makes a run's figures cover fewer VMs than its workload has, said in one line each with how many and why:
/// the warnings <c>roost simulate</c> prints on stderr and writes into its JSON and report. Each data center builds
/// its own once, from the VM sizes it already holds.
/// </summary>
public static class PlacementWarnings
{
    /// <summary>The fastest core of the setup's host types: CloudSim's scheduler refuses a VM whose cores are faster.</summary>
    public static double FastestHostCore(DataCenterSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        return setup.HostTypes.Max(t => t.MipsPerCore);
    }

    /// <summary>The MIPS one virtual core of a VM of <paramref name="mips"/> over <paramref name="cores"/> asks of a host core.</summary>
    public static double PerCoreMips(double mips, int cores) => mips / Math.Max(1, cores);

    /// <summary>
    /// A CloudSim baseline's VMs that fit no host at t = 0 and so never ran (CloudSim's broker drops them), by cause:
    /// virtual cores faster than every host's core (the time-shared scheduler refuses a VM whose per-core MIPS exceed
    /// the host's), more memory than any host has, or no host left with room.
    /// </summary>
    /// <param name="setup">The fleet.</param>
    /// <param name="vms">How many VMs the workload has.</param>
    /// <param name="unplaced">The sizes of the VMs that never ran.</param>
    public static IReadOnlyList<string> ForBaseline(DataCenterSetup setup, int vms, IReadOnlyList<(double Mips, int Cores, int RamMiB)> unplaced)
    {
        ArgumentNullException.ThrowIfNull(unplaced);
        if (unplaced.Count == 0)
        {
            return [];
        }

        var c = CultureInfo.InvariantCulture;
        var fastestCore = FastestHostCore(setup);
        var mostRam = setup.HostTypes.Max(t => t.RamMiB);
        int tooFast = 0, tooLarge = 0, noRoom = 0;
        var fastestVmCore = 0.0;
        foreach (var (mips, cores, ram) in unplaced)
        {
            var perCore = PerCoreMips(mips, cores);
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
            causes.Add(string.Create(c, $"{tooFast} have {FasterCores(fastestVmCore, fastestCore)}"));
        }

        if (tooLarge > 0)
        {
            causes.Add(string.Create(c, $"{tooLarge} need more memory than any host has ({mostRam} MiB)"));
        }

        if (noRoom > 0)
        {
            causes.Add(string.Create(c, $"{noRoom} found no host with room left at t = 0"));
        }

        return [string.Create(c, $"{unplaced.Count} of {vms} VMs never ran (no host could create them): {string.Join("; ", causes)}; the figures cover only the others")];
    }

    /// <summary>
    /// Sandpiper's: VMs placed at t = 0 on a host without room for them (memory and CPU not honoured for them), and
    /// VMs with cores faster than the hosts' (which Sandpiper's pooled-MIPS model runs, but a CloudSim baseline on the
    /// same fleet refuses: comparing the two then compares different sets of VMs).
    /// </summary>
    /// <param name="vms">How many VMs the workload has.</param>
    /// <param name="placedWithoutRoom">VMs placed beyond a host's capacity.</param>
    /// <param name="fastVms">VMs whose per-core MIPS exceed <paramref name="fastestHostCore"/>.</param>
    /// <param name="fastestVmCore">The largest per-core MIPS among them.</param>
    /// <param name="fastestHostCore">See <see cref="FastestHostCore"/>.</param>
    public static IReadOnlyList<string> ForSandpiper(int vms, int placedWithoutRoom, int fastVms, double fastestVmCore, double fastestHostCore)
    {
        var c = CultureInfo.InvariantCulture;
        var warnings = new List<string>();
        if (placedWithoutRoom > 0)
        {
            warnings.Add(string.Create(c, $"{placedWithoutRoom} of {vms} VMs fit no host with room at t = 0 and were put on the least-loaded host anyway, beyond its capacity (their CPU or memory allocation is not honoured)"));
        }

        if (fastVms > 0)
        {
            warnings.Add(string.Create(c, $"{fastVms} of {vms} VMs have {FasterCores(fastestVmCore, fastestHostCore)}: the Sandpiper model pools the MIPS of a host and runs them, the CloudSim scheduler on the same fleet refuses them"));
        }

        return warnings;
    }

    /// <summary>A baseline's VMs that ran but left before the end, their demand having fallen to exactly 0 (CloudSim's getCompletedVms).</summary>
    public static IReadOnlyList<string> LeftEarly(int count, int vms) => count > 0
        ? [string.Create(CultureInfo.InvariantCulture, $"{count} of {vms} VMs left the data center before the end when their demand fell to exactly 0 (as CloudSim has it)")]
        : [];

    private static string FasterCores(double fastestVmCore, double fastestHostCore) => string.Create(
        CultureInfo.InvariantCulture, $"virtual cores faster than the fastest host core (up to {fastestVmCore:0.##} MIPS, above {fastestHostCore:0.##} MIPS)");
}
