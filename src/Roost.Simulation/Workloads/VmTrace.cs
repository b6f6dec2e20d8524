namespace Roost.Simulation.Workloads;

/// <summary>
/// One VM's demand over time, sampled at the workload's fixed interval. Sample <c>i</c> covers time
/// <c>i · interval</c>. CPU is a fraction (0..1) of the VM's requested MIPS; memory is a fraction of its
/// provisioned RAM; network is in KB/s. Memory and network are absent (null) for CPU-only traces such as PlanetLab.
/// </summary>
public sealed record VmTrace(
    string Name,
    double[] Cpu,
    double[]? Memory = null,
    double[]? NetworkKBps = null,
    VmTraceShape? Shape = null)
{
    public int Length => Cpu.Length;
}

/// <summary>Size a trace declares for its VM (Bitbrains provisions cores and memory per VM); null where unknown.</summary>
public sealed record VmTraceShape(int Cores, double CpuCapacityMhz, double MemoryMiB);
