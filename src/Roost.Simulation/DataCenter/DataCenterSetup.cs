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

    /// <summary>MIPS (all cores), cores, RAM in MiB and bandwidth in Mbit/s of VM <paramref name="index"/> of <paramref name="count"/>.</summary>
    public (double Mips, int Cores, int RamMiB, double BandwidthMbps) VmSize(VmTrace trace, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(trace);
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

    /// <summary>The setup of the CCPE 2012 paper as coded in CloudSim 3.0.3: 800 hosts, half G4 half G5, 24 h, 300 s.</summary>
    public static DataCenterSetup CloudSimPlanetLab(int hostCount = 800, int seed = 1) => new(
        hostCount,
        [HostType.HpProLiantMl110G4, HostType.HpProLiantMl110G5],
        VmType.CloudSimTypes,
        TimeSpan.FromSeconds(300),
        TimeSpan.FromHours(24),
        seed);
}
