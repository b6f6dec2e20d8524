using Roost.Core.Sharing;
using Roost.Simulation.Sharing;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// Folders of measured fingerprints (<c>roost simulate --fingerprints DIR</c>): two valid guests of a profile and a
/// third file that is mutated, renamed with control characters, or special (a FIFO, a link to /dev/zero, …).
/// </summary>
public sealed class FingerprintFolderFuzzTarget : ReaderFuzzTarget
{
    public override string Name => "fingerprint-folder";

    public override FuzzCase Prepare(Random random, string scratch)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(scratch);
        long total = 0;
        for (var i = 1; i <= 2; i++)
        {
            var bytes = FingerprintFile.Write(FingerprintFuzzTarget.ValidExact(random, shift: 5));
            File.WriteAllBytes(Path.Join(scratch, $"minimal-{i}.rsfp"), bytes);
            total += bytes.Length;
        }

        var name = random.Next(10) == 0
            ? $"mini{InputMutator.Pick(random, InputMutator.ControlStrings).Replace("\0", "", StringComparison.Ordinal)}mal-3.rsfp"
            : InputMutator.Pick(random, ["minimal-3.rsfp", "python-1.rsfp", "nodash.rsfp", "-1.rsfp"]);
        var path = Path.Join(scratch, name);
        string description;
        if (random.Next(100) < 15)
        {
            description = $"{name} is a {SpecialFile.Make(random, path)}";
        }
        else
        {
            var bytes = FingerprintFile.Write(FingerprintFuzzTarget.ValidExact(random, shift: 5));
            bytes = random.Next(4) == 0 ? bytes : InputMutator.Mutate(random, bytes);
            File.WriteAllBytes(path, bytes);
            total += bytes.Length;
            description = $"{name}: {bytes.Length} bytes";
        }

        return new FuzzCase(WorkloadFuzzing.Printable(description), total, () =>
            MeasuredProfiles.TryLoad(scratch, out var profiles, out var error)
                ? new FuzzOutcome.Accepted(profiles.Profiles.Any(p => PrintableText.HasUnsafe(p.Name)) ? "a profile name holds control characters" : null)
                : new FuzzOutcome.Rejected(error));
    }
}
