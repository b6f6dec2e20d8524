using System.Globalization;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// <c>--workload</c> values: <c>synthetic:SEED:VMS</c> with hostile seeds and counts (overflowing, negative, huge,
/// junk, control characters), too many parts, unknown kinds, enormous values.
/// </summary>
public sealed class SyntheticFuzzTarget : ReaderFuzzTarget
{
    public override string Name => "synthetic";

    public override FuzzCase Prepare(Random random, string scratch)
    {
        ArgumentNullException.ThrowIfNull(random);
        var spec = Spec(random, scratch);
        return new FuzzCase(WorkloadFuzzing.Printable(spec), spec.Length, () => WorkloadFuzzing.Run(() => WorkloadSource.Load(spec), SamplesWithinBound));
    }

    /// <summary>
    /// The generator fills its VMs in parallel, on threads the harness does not count, so the samples it returned are
    /// held against the bound here.
    /// </summary>
    private string? SamplesWithinBound(Workload workload)
    {
        var bytes = workload.Vms.Sum(v => (long)v.Length * sizeof(double));
        return bytes > AllocationBound(0) ? $"{workload.Vms.Count} VMs hold {bytes:N0} bytes of samples, over the bound" : null;
    }

    /// <summary>The generator's own limit decides what a count may allocate: its samples, plus the runtime's slack.</summary>
    public override long AllocationBound(long inputBytes) =>
        ((long)SyntheticWorkload.MaxVms * ((SyntheticWorkload.DefaultSteps * sizeof(double)) + 256)) + AllocationSlackBytes;

    private static string Spec(Random random, string scratch)
    {
        var inv = CultureInfo.InvariantCulture;
        string Number() => random.Next(4) switch
        {
            0 => InputMutator.Pick(random, InputMutator.HostileNumbers),
            1 => random.Next(-1000, 1000).ToString(inv),
            2 => random.NextInt64().ToString(inv),
            _ => random.Next(1, 200).ToString(inv),
        };

        return random.Next(10) switch
        {
            0 => "synthetic",
            1 => $"synthetic:{Number()}",
            2 => $"synthetic:{Number()}:{Number()}:{Number()}",
            // Counts at the limit, rarely: a full 100,000-VM generation takes a second or two.
            3 when random.Next(25) == 0 => $"synthetic:{random.Next(100)}:{random.Next(SyntheticWorkload.MaxVms - 2000, SyntheticWorkload.MaxVms + 2000)}",
            4 => $"{InputMutator.Pick(random, ["Synthetic", "synthetic ", "azure", ""])}:{Number()}",
            8 when random.Next(4) == 0 => $"{InputMutator.Pick(random, ["planetlab", "bitbrains", "csv"])}:{Path.Join(scratch, Number())}",
            5 => $"synthetic:{Number()}{InputMutator.Pick(random, InputMutator.ControlStrings)}:{Number()}",
            6 => "synthetic:" + new string('9', 1 << random.Next(4, 20)),
            _ => $"synthetic:{Number()}:{Number()}",
        };
    }
}
