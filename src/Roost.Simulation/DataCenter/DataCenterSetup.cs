using Roost.Core.Model;
using Roost.Core.Power;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// The simulated fleet and run parameters. Host <c>i</c> gets <c>HostTypes[i mod count]</c>; VM <c>i</c> of
/// <c>n</c> gets <c>VmTypes[i / ⌈n / count⌉]</c>, as CloudSim's power examples assign them.
/// </summary>
public sealed record DataCenterSetup(
    int HostCount,
    IReadOnlyList<HostType> HostTypes,
    IReadOnlyList<VmType> VmTypes,
    TimeSpan SchedulingInterval,
    TimeSpan Duration,
    int Seed)
{
    /// <summary>Whether VMs whose trace declares a size (Bitbrains) take it instead of a type by index.</summary>
    public bool UseTraceShapes { get; init; }

    /// <summary>VM types chosen by VM name (index into <see cref="VmTypes"/>), from a hardware file; they take precedence.</summary>
    public IReadOnlyDictionary<string, int>? VmTypeByName { get; init; }

    /// <summary>How the CloudSim baselines account for VM memory after creation; <see cref="MemoryAccounting.CloudSim"/> by default.</summary>
    public MemoryAccounting Memory { get; init; } = MemoryAccounting.CloudSim;

    /// <summary>MIPS (all cores), cores, RAM in MiB and bandwidth in Mbit/s of VM <paramref name="index"/> of <paramref name="count"/>.</summary>
    public (double Mips, int Cores, int RamMiB, double BandwidthMbps) VmSize(VmTrace trace, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(trace);
        if (VmTypeByName is not null && VmTypeByName.TryGetValue(trace.Name, out var named))
        {
            var chosen = VmTypes[named];
            return (chosen.TotalMips, chosen.Cores, chosen.RamMiB, chosen.BandwidthMbps);
        }

        if (UseTraceShapes && trace.Shape is { Cores: > 0, CpuCapacityMhz: > 0, MemoryMiB: > 0 } shape)
        {
            return (shape.CpuCapacityMhz, shape.Cores, (int)Math.Min(int.MaxValue, shape.MemoryMiB), 1000);
        }

        var perType = count == 0 ? 1 : (int)Math.Ceiling((double)count / VmTypes.Count);
        var type = VmTypes[Math.Min(index / perType, VmTypes.Count - 1)];
        return (type.TotalMips, type.Cores, type.RamMiB, type.BandwidthMbps);
    }

    /// <summary>
    /// A fleet for the Bitbrains traces, whose VMs (1–32 cores, up to 512 GiB) do not fit 2-core hosts: servers of
    /// 32 cores × 2600 MIPS, 256 GiB, 10 Gbit/s, with a linear power model from 160 W idle to 400 W at full load
    /// (our assumption for a 2-socket server of 2013; not from the traces). VMs keep their own sizes.
    /// </summary>
    public static DataCenterSetup Bitbrains(int hostCount = 24, int seed = 1) => new(
        hostCount,
        [new HostType("2-socket server (32 × 2600 MIPS, 256 GiB)", 32, 2600, 262_144, 10_000, new LinearPowerModel(400, 0.4))],
        VmType.CloudSimTypes,
        TimeSpan.FromSeconds(300),
        TimeSpan.FromHours(24),
        seed)
    {
        UseTraceShapes = true,
    };

    /// <summary>
    /// A fleet every Bitbrains day-1 VM fits (a documented choice, docs/experiments/sandpiper-vs-baselines.md): servers
    /// of 32 cores × 3000 MIPS (faster than the traces' fastest core, 2926 MHz, so CloudSim's scheduler refuses none),
    /// 768 GiB (the largest VM has 511.5 GiB, 67 % of it, under Sandpiper's 75 % ceiling), 10 Gbit/s, and the same
    /// linear 160–400 W power model as <see cref="Bitbrains"/>. VMs keep their own sizes. 48 hosts: their VMs' full
    /// sizes (3179 GIPS) must fit at t = 0, where both Sandpiper (first fit) and the baselines (PABFD) place every VM
    /// at full size; with 40 hosts 74 (Sandpiper) and 43 (LR-MMT) of 425 found no room.
    /// </summary>
    public static DataCenterSetup BitbrainsFit(int hostCount = 48, int seed = 1) => new(
        hostCount,
        [new HostType("2-socket server (32 × 3000 MIPS, 768 GiB)", 32, 3000, 786_432, 10_000, new LinearPowerModel(400, 0.4))],
        VmType.CloudSimTypes,
        TimeSpan.FromSeconds(300),
        TimeSpan.FromHours(24),
        seed)
    {
        UseTraceShapes = true,
    };

    /// <summary>The setup of the CCPE 2012 paper as coded in CloudSim 3.0.3: 800 hosts, half G4 half G5, 24 h, 300 s.</summary>
    public static DataCenterSetup CloudSimPlanetLab(int hostCount = 800, int seed = 1) => new(
        hostCount,
        [HostType.HpProLiantMl110G4, HostType.HpProLiantMl110G5],
        VmType.CloudSimTypes,
        TimeSpan.FromSeconds(300),
        TimeSpan.FromHours(24),
        seed);
}
