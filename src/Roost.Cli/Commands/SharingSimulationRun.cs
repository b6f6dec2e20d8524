using System.Globalization;
using System.Text;
using Roost.Simulation.Sharing;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost simulate --policy mem-first-fit,memory-buddies,…</c>: the Memory Buddies sharing model instead of the CPU
/// trace replay. Prints VMs placed on the same hosts by each policy and the gain over sharing-oblivious first fit.
/// </summary>
internal static class SharingSimulationRun
{
    /// <summary>Most memory, over all hosts, the sharing model simulates: 16 TiB (five times the default's).</summary>
    public const long MaxSimulatedMemoryMiB = 16L * 1024 * 1024;

    /// <summary>True when every policy named is a sharing policy (a mix with trace policies is refused).</summary>
    public static bool Handles(string policies)
    {
        var names = policies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sharing = names.Count(SharingPolicies.IsSharingPolicy);
        return sharing == 0
            ? false
            : sharing == names.Length
                ? true
                : throw new UsageException("roost simulate: --policy mixes sharing policies (mem-first-fit, memory-buddies…) with trace policies; run them separately");
    }

    public static async Task<int> RunAsync(ParsedOptions options, string policiesText, CancellationToken cancellationToken)
    {
        var policies = new List<SharingSimulatedPolicy>();
        foreach (var name in policiesText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!SharingPolicies.TryParse(name, out var policy, out var error))
            {
                throw new UsageException($"roost simulate: --policy {error}");
            }

            policies.Add(policy);
        }

        var vmSizes = new List<int>();
        foreach (var size in (options.Get("vm-memory") ?? "256,512,1024").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            vmSizes.Add(int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var mib)
                ? mib
                : throw new UsageException($"roost simulate: --vm-memory '{size}' is not a size in MiB"));
        }

        var setup = SharingSimulationSetup.Default(options.GetInt("hosts", 200, min: 1, max: 100_000), options.GetInt("seed", 1)) with
        {
            HostMemoryMiB = options.GetInt("host-memory", 16_384, min: 128, max: 16 * 1024 * 1024),
            VmMemoryMiB = vmSizes,
        };

        // What the model allocates (VM fingerprints, host filters) grows with the memory simulated: the default, 200
        // hosts of 16 GiB, peaks at about 370 MB.
        if ((long)setup.Hosts * setup.HostMemoryMiB > MaxSimulatedMemoryMiB)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture,
                $"roost simulate: --hosts {setup.Hosts} × --host-memory {setup.HostMemoryMiB} MiB is more than the {MaxSimulatedMemoryMiB / (1024 * 1024)} TiB of memory the sharing model simulates"));
        }
        if (setup.Validate() is { } invalid)
        {
            throw new UsageException($"roost simulate: {invalid}");
        }

        MeasuredProfiles profiles;
        if (options.Get("fingerprints") is { } directory)
        {
            if (!MeasuredProfiles.TryLoad(directory, out var loaded, out var error))
            {
                throw new UsageException($"roost simulate: --fingerprints {error}");
            }

            profiles = loaded;
        }
        else
        {
            profiles = MeasuredProfiles.BuiltIn();
        }

        var progress = new ProgressBar(policies.Count, enabled: !Console.IsErrorRedirected);
        var results = new SharingSimulationResult[policies.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, policies.Count),
            new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            (i, _) =>
            {
                results[i] = SharingSimulator.Run(profiles, setup, policies[i], progress.For(i));
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        progress.Finish();

        await Console.Out.WriteAsync(Table(profiles, setup, results)).ConfigureAwait(false);
        return 0;
    }

    private static string Table(MeasuredProfiles profiles, SharingSimulationSetup setup, IReadOnlyList<SharingSimulationResult> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(inv, $"Sharing model: {setup.Hosts} hosts of {setup.HostMemoryMiB} MiB; {setup.Arrivals} VMs offered of ")
            .Append(inv, $"{string.Join("/", setup.VmMemoryMiB)} MiB, profiles {string.Join(", ", profiles.Profiles.Select(p => p.Name))} ")
            .Append(inv, $"(measured guests, private data {setup.PrivateFraction.Min:P0}-{setup.PrivateFraction.Max:P0} of the memory beyond 128 MiB); ")
            .Append(inv, $"fingerprints 1 page in {1 << setup.SamplingShift}, Bloom {setup.BitsPerSampledPage} bit(s) per sampled page; seed {setup.Seed}")
            .AppendLine()
            .AppendLine();
        var baseline = results.FirstOrDefault(r => r.Policy == "mem-first-fit");
        string[] header = ["policy", "VMs placed", "vs first fit", "hosts used", "allocated GiB", "used GiB (exact)", "saved GiB", "overcommitted hosts"];
        var rows = results.Select(r => new[]
        {
            r.Policy,
            r.Placed.ToString(inv),
            baseline is null ? "-" : ((double)(r.Placed - baseline.Placed) / baseline.Placed).ToString("+0.0 %;-0.0 %;0.0 %", inv),
            r.ActiveHosts.ToString(inv),
            (r.AllocatedMiB / 1024).ToString("F1", inv),
            (r.ExactUsedMiB / 1024).ToString("F1", inv),
            (r.SavedMiB / 1024).ToString("F1", inv),
            r.OvercommittedHosts.ToString(inv),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        foreach (var row in new[] { header, widths.Select(w => new string('-', w)).ToArray() }.Concat(rows))
        {
            text.AppendJoin("  ", row.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).AppendLine();
        }

        return text.ToString();
    }
}
