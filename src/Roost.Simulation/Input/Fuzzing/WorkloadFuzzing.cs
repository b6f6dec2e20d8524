using System.Globalization;
using System.Text;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>What the workload targets share: running a reader, checking what it accepted, building trace folders.</summary>
internal static class WorkloadFuzzing
{
    /// <summary>
    /// Runs <paramref name="read"/>: a <see cref="WorkloadFormatException"/> is a clean rejection; anything else
    /// propagates. An accepted workload is checked (<see cref="Problem"/>), then by <paramref name="check"/> if given.
    /// </summary>
    public static FuzzOutcome Run(Func<Workload> read, Func<Workload, string?>? check = null)
    {
        Workload workload;
        try
        {
            workload = read();
        }
        catch (WorkloadFormatException e)
        {
            return new FuzzOutcome.Rejected(e.Message);
        }

        return new FuzzOutcome.Accepted(Problem(workload) ?? check?.Invoke(workload));
    }

    /// <summary>What is wrong with an accepted workload, or null: what a simulation of it would trip on.</summary>
    public static string? Problem(Workload workload)
    {
        if (workload.Interval <= TimeSpan.Zero)
        {
            return $"interval {workload.Interval}";
        }

        if (workload.Interval.TotalSeconds * workload.Steps > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{workload.Steps} steps of {workload.Interval} overflow a TimeSpan");
        }

        if (PrintableText.HasUnsafe(workload.Name))
        {
            return "workload name holds control characters";
        }

        foreach (var vm in workload.Vms)
        {
            if (PrintableText.HasUnsafe(vm.Name))
            {
                return "a VM name holds control characters";
            }

            if (vm.Cpu.Any(c => !(c is >= 0 and <= 1)) || (vm.Memory?.Any(m => !(m is >= 0 and <= 1)) ?? false)
                || (vm.NetworkKBps?.Any(n => !(n >= 0 && double.IsFinite(n))) ?? false))
            {
                return $"VM {vm.Name}: a sample is out of range or not finite";
            }
        }

        return null;
    }

    /// <summary>
    /// A trace folder of <paramref name="files"/> valid files in <paramref name="scratch"/>, one of them mutated, or
    /// replaced by a special file (8 % of cases), or given a name with control characters; sometimes with a hidden file
    /// and a subfolder beside. Returns the folder, a description and the bytes written.
    /// </summary>
    public static (string Folder, string Description, long Bytes) Folder(Random random, string scratch, Func<Random, int, (string Name, byte[] Bytes)> validFile, int files)
    {
        var folder = Path.Join(scratch, "day");
        Directory.CreateDirectory(folder);
        var victim = random.Next(files);
        var description = "";
        long total = 0;
        for (var i = 0; i < files; i++)
        {
            var (name, bytes) = validFile(random, i);
            if (i == victim)
            {
                if (random.Next(100) < 8)
                {
                    description = $"{name} is a {SpecialFile.Make(random, Path.Join(folder, name))}";
                    continue;
                }

                if (random.Next(10) == 0)
                {
                    name += InputMutator.Pick(random, InputMutator.ControlStrings).Replace("\0", "", StringComparison.Ordinal).Replace("/", "", StringComparison.Ordinal);
                    description = "control characters in a file name; ";
                }

                bytes = InputMutator.Mutate(random, bytes);
                description += $"{name} mutated ({bytes.Length} bytes)";
            }

            File.WriteAllBytes(Path.Join(folder, name), bytes);
            total += bytes.Length;
        }

        if (random.Next(20) == 0)
        {
            File.WriteAllText(Path.Join(folder, ".hidden"), "not a trace");
            Directory.CreateDirectory(Path.Join(folder, "sub"));
        }

        return (folder, Printable(description), total);
    }

    public static string Printable(string text) => PrintableText.Shorten(text, 200);

    /// <summary>Lines of text as UTF-8.</summary>
    public static byte[] Utf8(StringBuilder text) => Encoding.UTF8.GetBytes(text.ToString());
}
