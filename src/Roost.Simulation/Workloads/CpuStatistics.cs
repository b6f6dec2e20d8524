namespace Roost.Simulation.Workloads;

/// <summary>
/// CPU demand statistics over every sample of every VM, in percent, as the PlanetLab characterisation reports them
/// (Beloglazov &amp; Buyya 2012, Table "workload data characteristics"). Quartiles are nearest-rank.
/// </summary>
public sealed record CpuStatistics(int Vms, long Samples, double MeanPercent, double SdPercent, double Q1Percent, double MedianPercent, double Q3Percent)
{
    public static CpuStatistics Of(Workload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var samples = workload.Vms.Sum(v => (long)v.Length);
        var all = new double[samples];
        var at = 0;
        foreach (var vm in workload.Vms)
        {
            vm.Cpu.CopyTo(all, at);
            at += vm.Length;
        }

        if (all.Length == 0)
        {
            return new CpuStatistics(workload.Vms.Count, 0, 0, 0, 0, 0, 0);
        }

        var mean = all.Average();
        var variance = all.Sum(x => (x - mean) * (x - mean)) / all.Length;
        Array.Sort(all);
        double Rank(double q) => 100 * all[(int)(q * (all.Length - 1))];
        return new CpuStatistics(
            workload.Vms.Count, all.Length, 100 * mean, 100 * Math.Sqrt(variance), Rank(0.25), Rank(0.5), Rank(0.75));
    }

    public override string ToString() =>
        $"{Vms} VMs, mean {MeanPercent:F2} %, sd {SdPercent:F2} %, quartiles {Q1Percent:F0}/{MedianPercent:F0}/{Q3Percent:F0} %";
}
