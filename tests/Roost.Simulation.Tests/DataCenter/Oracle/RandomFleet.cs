using System.Globalization;
using Roost.Core.Balancing.Consolidation;
using Roost.Core.Model;
using Roost.Core.Power;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.DataCenter.Oracle;

/// <summary>
/// A small seeded data center for the oracle: up to 50 hosts of one to three types (usually CloudSim's G4 and G5, so
/// that the host search goes through its trees; sometimes a type with a linear power model, which makes the fast data
/// center scan), VMs of CloudSim's types or of random one- and two-core types, and traces with the features that
/// exercise the code paths: quiet and busy VMs, bursts that overload hosts, runs of zeros that finish VMs.
/// </summary>
internal sealed record RandomFleet(int Seed, Workload Workload, DataCenterSetup Setup, ConsolidationPolicy Policy, string Description)
{
    private static readonly TimeSpan _interval = TimeSpan.FromSeconds(300);

    private static readonly HostType _linear = new("linear 2 × 2000 MIPS", 2, 2000, 4096, 1000, new LinearPowerModel(200, 0.6));

    private static readonly HostType _steep = new(
        "steep SPECpower 4 × 1500 MIPS", 4, 1500, 8192, 1000, new SpecPowerModel("steep", [50, 60, 75, 95, 120, 150, 185, 225, 270, 320, 375]));

    public static readonly string[] Selectors = ["mmt", "mu", "rs", "mc"];

    /// <summary>A fleet under <paramref name="detector"/> (thr, iqr, mad, lr, lrr, or npa / dvfs) with a selector chosen by the seed.</summary>
    public static RandomFleet Create(int seed, string detector)
    {
        var random = new Random(seed);
        var hostCount = random.Next(1, 51);
        IReadOnlyList<HostType> hostTypes = random.Next(20) switch
        {
            0 => [HostType.HpProLiantMl110G5],
            1 => [HostType.HpProLiantMl110G4, _linear],
            2 => [HostType.HpProLiantMl110G5, HostType.HpProLiantMl110G4, _steep],
            _ => [HostType.HpProLiantMl110G4, HostType.HpProLiantMl110G5],
        };
        IReadOnlyList<VmType> vmTypes = random.Next(4) == 0
            ? [.. Enumerable.Range(0, random.Next(1, 5)).Select(i => RandomVmType(random, i))]
            : VmType.CloudSimTypes;
        var vmCount = random.Next(1, (2 * hostCount) + 3);
        var steps = random.Next(4, 49);
        var vms = Enumerable.Range(0, vmCount).Select(v => new VmTrace($"vm{v:D3}", Trace(random, steps))).ToList();
        var duration = random.Next(6) == 0 ? TimeSpan.FromSeconds(random.Next(300, (steps * 300) + 600)) : _interval * steps;
        var setup = new DataCenterSetup(hostCount, hostTypes, vmTypes, _interval, duration, seed);
        var name = detector switch
        {
            "npa" or "dvfs" => detector,
            _ => $"{detector}-{Selectors[seed % Selectors.Length]}-{Parameter(random, detector)}",
        };
        Assert.True(ConsolidationPolicy.TryParse(name, _interval, out var policy, out var error), error);
        var description = string.Create(
            CultureInfo.InvariantCulture,
            $"seed {seed}: {name}, {hostCount} hosts ({string.Join(" / ", hostTypes.Select(t => t.Name))}), {vmCount} VMs, {steps} samples, {duration.TotalSeconds} s");
        return new RandomFleet(seed, new Workload($"oracle:{seed}", _interval, vms), setup, policy, description);
    }

    private static string Parameter(Random random, string detector) => (detector switch
    {
        "thr" => 0.5 + (0.5 * random.NextDouble()),
        "iqr" or "mad" => 0.5 + (2.5 * random.NextDouble()),
        _ => 1.0 + (0.5 * random.NextDouble()),
    }).ToString("0.00", CultureInfo.InvariantCulture);

    private static VmType RandomVmType(Random random, int index)
    {
        var cores = random.Next(4) == 0 ? 2 : 1;
        return new VmType($"random-{index}", 250 * random.Next(1, 11), cores, 128 * random.Next(1, 16), 100);
    }

    /// <summary>CPU fractions in whole percent, as PlanetLab's files hold them.</summary>
    private static double[] Trace(Random random, int steps)
    {
        var trace = new double[steps];
        var level = random.Next(5) switch
        {
            0 => 0.02,
            1 => 0.9,
            _ => random.NextDouble() * 0.5,
        };
        var noise = random.NextDouble() * 0.3;
        var burstChance = random.Next(3) == 0 ? 0.15 : 0.02;
        var zeroChance = random.Next(4) == 0 ? 0.2 : 0.0;
        for (var t = 0; t < steps; t++)
        {
            var value = level + (noise * ((2 * random.NextDouble()) - 1));
            if (random.NextDouble() < burstChance)
            {
                value = 0.7 + (0.3 * random.NextDouble());
            }

            trace[t] = Math.Clamp(Math.Round(value * 100) / 100, 0, 1);
        }

        // Runs of zeros: a VM asking exactly 0 MIPS at a processing point finishes and leaves.
        for (var t = 0; t + 1 < steps; t++)
        {
            if (random.NextDouble() < zeroChance)
            {
                trace[t] = 0;
                trace[t + 1] = 0;
            }
        }

        return trace;
    }
}
