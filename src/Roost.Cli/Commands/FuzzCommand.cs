using System.Globalization;
using System.Text;
using Roost.Simulation.Input.Fuzzing;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost fuzz readers</c>: a developer verb. Feeds seeded malformed inputs to every file reader and prints what
/// each did; exits 1 if any reader threw, hung, printed an unclean line or allocated beyond its bound.
/// </summary>
internal sealed class FuzzCommand : ICommand
{
    public string Name => "fuzz";

    public string Summary => "Developer check: feed seeded malformed inputs to every reader (traces, scenarios, fingerprints)";

    public OptionSet Options { get; } = new OptionSet(
            "roost fuzz readers [--cases N] [--seed S] [--reader NAME[,NAME...]] [--case I] [--hang-seconds T]",
            "Builds N malformed inputs per reader from valid ones (truncation, bit flips, hostile numbers, control\n"
            + "characters, enormous lines, missing fields, junk, FIFOs, links to /dev/zero, sparse files, …), runs each\n"
            + "through the reader, and prints per reader: cases, clean rejections, acceptances, unexpected exceptions, hangs,\n"
            + "unclean messages, bad acceptances, cases over their memory bound, the slowest case and the most allocated.\n"
            + "Peak memory of the whole run: /usr/bin/time -v roost fuzz readers … (docs/experiments/security-faults.md).\n"
            + $"Readers: {string.Join(", ", ReaderFuzzer.Targets.Select(t => t.Name))}.")
        .WithArguments("readers", "readers")
        .Add("cases", "N", "Cases per reader (default 10000)")
        .Add("seed", "S", "Seed of the run (default 1); case I of a reader depends only on (S, reader, I)")
        .Add("reader", "NAME[,NAME...]", "Only these readers (default: all)")
        .Add("case", "I", "Run case I alone and keep its input folder (replays a failure)")
        .Add("hang-seconds", "T", "A case running longer than T seconds is a hang (default 60)");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Positional is not ["readers"])
        {
            throw new UsageException("roost fuzz: expected the subcommand 'readers' (see 'roost fuzz --help')");
        }

        var cases = options.GetInt("cases", 10_000, min: 1, max: 10_000_000);
        var seed = options.GetInt("seed", 1);
        var hangBound = TimeSpan.FromSeconds(options.GetInt("hang-seconds", 60, min: 1, max: 3600));
        var targets = ReaderFuzzer.Targets;
        if (options.Get("reader") is { } names)
        {
            var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var name in wanted.Where(n => targets.All(t => t.Name != n)))
            {
                throw new UsageException($"roost fuzz: --reader '{name}' is not one of {string.Join(", ", targets.Select(t => t.Name))}");
            }

            targets = [.. targets.Where(t => wanted.Contains(t.Name))];
        }

        if (options.Has("case"))
        {
            var index = options.GetInt("case", 0, min: 0);
            foreach (var target in targets)
            {
                var scratch = Directory.CreateTempSubdirectory($"roost-fuzz-case-{target.Name}-").FullName;
                await Console.Out.WriteLineAsync(ReaderFuzzer.RunOne(target, seed, index, scratch, hangBound)).ConfigureAwait(false);
            }

            return 0;
        }

        var inv = CultureInfo.InvariantCulture;
        await Console.Out.WriteLineAsync(string.Create(inv, $"roost fuzz readers: {cases} cases per reader, seed {seed}, hang bound {hangBound.TotalSeconds:0} s")).ConfigureAwait(false);
        var header = "| reader | cases | rejected | accepted | unexpected | hangs | unclean messages | bad accepts | over memory bound | slowest case ms | most allocated MiB | peak RSS MiB |";
        await Console.Out.WriteLineAsync(header).ConfigureAwait(false);
        await Console.Out.WriteLineAsync("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|").ConfigureAwait(false);
        var reports = new List<ReaderFuzzReport>();
        foreach (var target in targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var r = ReaderFuzzer.Run(target, cases, seed, hangBound);
            reports.Add(r);
            await Console.Out.WriteLineAsync(string.Create(inv,
                $"| {r.Reader} | {r.Cases} | {r.Rejected} | {r.Accepted} | {r.Unexpected} | {r.Hangs} | {r.BadMessages} | {r.BadAccepts} | {r.OverMemory} | {r.MaxCaseTime.TotalMilliseconds:0.#} | {r.MaxAllocatedBytes / 1048576.0:0.#} | {r.PeakWorkingSetBytes / 1048576.0:0} |")).ConfigureAwait(false);
        }

        var failures = new StringBuilder();
        foreach (var r in reports.Where(r => !r.Clean))
        {
            failures.AppendLine(inv, $"{r.Reader}: replay a case with 'roost fuzz readers --reader {r.Reader} --seed {seed} --case I'");
            foreach (var failure in r.Failures)
            {
                failures.Append("  ").AppendLine(failure);
            }
        }

        await Console.Out.WriteAsync(failures.ToString()).ConfigureAwait(false);
        return reports.All(r => r.Clean) ? 0 : 1;
    }
}
