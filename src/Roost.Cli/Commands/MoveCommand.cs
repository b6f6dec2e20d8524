using System.Globalization;
using System.Text;
using Roost.Core.Overheads;
using Roost.Simulation.DataCenter;
using Roost.Simulation.Input;
using Roost.Simulation.Overheads;
using Roost.Simulation.Workloads;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost move fit|predict</c>: MOVE (Wood et al., Middleware 2008). Fit a platform's virtualization-overhead model
/// from benchmark samples; predict an application's virtual CPU from its native usage trace (docs/move.md).
/// </summary>
internal sealed partial class MoveCommand : ICommand
{
    private static readonly Dictionary<string, string[]> _optionsOf = new(StringComparer.Ordinal)
    {
        ["fit"] = ["samples", "out", "platform", "description", "method", "enter", "remove", "refinement-rounds"],
        ["predict"] = ["model", "profile", "out"],
        ["record"] = ["seconds", "interval", "out"],
        ["bench"] = ["out", "workloads", "samples", "interval", "accel", "qemu", "memory"],
        ["evaluate"] = ["model", "samples"],
    };

    /// <summary>Block devices that are not disks of their own: loop and RAM devices, zram swap, device-mapper and md layers over disks already counted.</summary>
    private static readonly string[] _notWholeDisks = ["loop", "ram", "zram", "dm-", "md"];

    public string Name => "move";

    public string Summary => "MOVE: fit a virtualization-overhead model, predict an application's CPU once in a VM";

    public OptionSet Options { get; } = new OptionSet(
            "roost move fit --samples FILE --out MODEL --platform NAME [options]\n"
            + "       roost move predict --model MODEL --profile FILE [--out FILE]\n"
            + "       roost move record --seconds N [--interval S] [--out FILE]\n"
            + "       roost move bench --out FILE [--workloads micro|apps|all] [--samples N] [--interval S] [--accel auto|tcg|kvm] [--memory MIB]\n"
            + "       roost move evaluate --model MODEL --samples FILE",
            "fit: builds a platform's model from benchmark samples (native metrics and the measured guest and emulation\n"
            + "CPU of each): robust stepwise regression (bisquare IRLS; metrics enter at p < 0.05, leave at p > 0.10), then\n"
            + "drops benchmarks the model fits far worse than the rest and fits again. Two models: guest CPU and emulation CPU.\n"
            + "predict: reads a native usage trace and writes the predicted virtual CPU trace (CSV).\n"
            + "record: samples this host's native usage (/proc) into a profile CSV for predict.\n"
            + "bench: runs MOVE's microbenchmarks (micro) and/or the validation applications (apps: busybox httpd, an SQLite\n"
            + "transaction mix) natively and in a QEMU guest on this host, and writes paired samples for fit/evaluate (root:\n"
            + "it makes a namespace, a bridge and a loop device, removed afterwards).\n"
            + "evaluate: median and 90th-percentile relative error of a model on samples, per application. Formats: docs/move.md.")
        .WithArguments("fit|predict|record|bench|evaluate", "fit", "predict", "record", "bench", "evaluate")
        .Add("samples", "FILE|N", "fit, evaluate: benchmark samples CSV (benchmark, metric columns, guest_cpu_pct, emulation_cpu_pct); bench: samples per run (default 5)")
        .Add("out", "FILE", "fit: the model file to write; predict, record: the trace to write (default: stdout); bench: the samples to write")
        .Add("platform", "NAME", "fit: the platform the samples were measured on (saved in the model)")
        .Add("description", "TEXT", "fit: free text about the platform (hypervisor, accelerator, host CPU, VM size)")
        .Add("method", "M", "fit: robust-stepwise (MOVE, default) or least-squares (every metric, plain OLS: the baseline)")
        .Add("enter", "P", "fit: p-value below which a metric enters the model (default 0.05)")
        .Add("remove", "P", "fit: p-value above which a metric leaves the model (default 0.10; must exceed --enter)")
        .Add("refinement-rounds", "N", "fit: rounds of dropping outlier benchmarks and re-fitting (default 1; 0: none)")
        .Add("model", "MODEL", "predict, evaluate: a model file written by 'roost move fit'")
        .Add("profile", "FILE", "predict: the application's native usage CSV (time_s and metric columns)")
        .Add("seconds", "N", "record: how long to record (1 to 86400)")
        .Add("interval", "S", "record: seconds between samples (0.1 to 3600, default 2); bench: whole seconds (1 to 60, default 2)")
        .Add("workloads", "W", "bench: micro (the 25 microbenchmarks, default), apps (web and db at three loads each) or all")
        .Add("accel", "MODE", "bench: auto (probe KVM, else TCG), tcg or kvm (default auto)")
        .Add("qemu", "PATH", "bench: QEMU binary (default qemu-system-x86_64)")
        .Add("memory", "MIB", "bench: the guest's RAM (128 to 4096, default 256)");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Positional.Count != 1 || !_optionsOf.TryGetValue(options.Positional[0], out var allowed))
        {
            throw new UsageException("roost move: expected fit, predict, record, bench or evaluate (see 'roost move --help')");
        }

        options.RejectOptionsOutside(options.Positional[0], allowed);
        var verb = $"roost move {options.Positional[0]}";

        try
        {
            var text = options.Positional[0] switch
            {
                "fit" => Fit(options, verb),
                "predict" => Predict(options, verb),
                "evaluate" => Evaluate(options, verb),
                "bench" => await BenchAsync(options, verb, cancellationToken).ConfigureAwait(false),
                _ => await RecordAsync(options, verb, cancellationToken).ConfigureAwait(false),
            };
            cancellationToken.ThrowIfCancellationRequested();
            await Console.Out.WriteAsync(text).ConfigureAwait(false);
            return 0;
        }
        catch (OverheadFormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static string Fit(ParsedOptions options, string verb)
    {
        var samplesPath = Required(options, "samples", verb);
        var output = Required(options, "out", verb);
        OutputPath.RequireFile("move fit", "out", output);
        var platform = new PlatformDescription(Required(options, "platform", verb), options.Get("description") ?? "");
        var methodName = options.Get("method") ?? "robust-stepwise";
        if (!OverheadFitOptions.TryParseMethod(methodName, out var method))
        {
            throw new UsageException($"{verb}: --method '{methodName}' is not robust-stepwise or least-squares");
        }

        var defaults = OverheadFitOptions.Default;
        var fitOptions = defaults with
        {
            Method = method,
            Stepwise = defaults.Stepwise with
            {
                EnterPValue = options.GetDouble("enter", defaults.Stepwise.EnterPValue),
                RemovePValue = options.GetDouble("remove", defaults.Stepwise.RemovePValue),
            },
            Refinement = defaults.Refinement with { Rounds = options.GetInt("refinement-rounds", defaults.Refinement.Rounds) },
        };
        if (fitOptions.Validate() is { } invalid)
        {
            throw new UsageException($"{verb}: {invalid}");
        }

        var (samples, metrics) = OverheadFiles.ReadSamples(samplesPath);
        var model = OverheadModelFitter.Fit(samples, platform, fitOptions, metrics) switch
        {
            OverheadFitResult.Fitted fitted => fitted.Model,
            OverheadFitResult.Failed failed => throw new UsageException($"{PrintableText.Escape(samplesPath)}: {failed.Reason}"),
            _ => throw new InvalidOperationException("unknown fit result"),
        };
        OverheadFiles.WriteText(output, OverheadModelFile.Format(model));

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{model.Training.Samples} samples of {model.Training.Benchmarks.Count} benchmarks, {metrics.Count} candidate metrics, {OverheadFitOptions.MethodName(method)}");
        Describe(text, "guest CPU", model.GuestCpu);
        Describe(text, "emulation CPU", model.EmulationCpu);
        text.AppendLine(CultureInfo.InvariantCulture, $"Model: {PrintableText.Escape(output)}");
        return text.ToString();
    }

    private static void Describe(StringBuilder text, string what, CpuModel model)
    {
        var terms = string.Concat(model.Terms.Select(t => string.Create(CultureInfo.InvariantCulture, $" {(t.Coefficient < 0 ? "-" : "+")} {Math.Abs(t.Coefficient):G4}·{NativeMetrics.Name(t.Metric)}")));
        var s = model.Summary;
        var dropped = s.DroppedBenchmarks.Count > 0 ? $"; refinement dropped {string.Join(", ", s.DroppedBenchmarks)}" : "";
        var converged = s.Converged ? "" : ", IRLS NOT converged";
        text.AppendLine(CultureInfo.InvariantCulture, $"{what} = {model.Intercept:G4}{terms}")
            .AppendLine(CultureInfo.InvariantCulture, $"  {s.Samples} samples, RMSE {s.RmsePct:0.###} %, median |error| {s.MedianAbsErrorPct:0.###} %{converged}{dropped}");
    }

    private static string Predict(ParsedOptions options, string verb)
    {
        var modelPath = Required(options, "model", verb);
        var profilePath = Required(options, "profile", verb);
        if (options.Get("out") is { } requested)
        {
            OutputPath.RequireFile("move predict", "out", requested);
        }
        var model = OverheadFiles.ReadModel(modelPath);
        var profile = OverheadFiles.ReadProfile(profilePath);
        var missing = model.Metrics.Where(m => !profile.Columns.Contains(m)).Select(NativeMetrics.Name).ToArray();
        if (missing.Length > 0)
        {
            throw new UsageException($"{PrintableText.Escape(profilePath)}: no column {string.Join(", ", missing)}, which the model {PrintableText.Escape(modelPath)} uses");
        }

        var predicted = profile.Samples.Select(model.Predict).ToArray();
        var trace = UsageCsv.FormatVirtualTrace(profile.TimesSeconds, predicted);
        if (options.Get("out") is not { } output)
        {
            return trace;
        }

        OverheadFiles.WriteText(output, trace);
        var totals = predicted.Select(p => p.TotalPct).Order().ToArray();
        var median = (totals[(totals.Length - 1) / 2] + totals[totals.Length / 2]) / 2;
        return string.Create(CultureInfo.InvariantCulture, $"{predicted.Length} samples on {model.Platform.Name}: virtual CPU median {median:0.##} %, max {totals[^1]:0.##} % of one core\nTrace: {PrintableText.Escape(output)}\n");
    }

    /// <summary>
    /// <c>roost simulate --overhead-model MODEL</c>: the workload as its applications would run in VMs on the model's
    /// platform (<see cref="VirtualizedWorkload"/>), with a note on stderr for what the traces cannot tell the model.
    /// Without the option, the workload as it is.
    /// </summary>
    public static Workload VirtualizeForSimulation(ParsedOptions options, Workload workload, DataCenterSetup setup)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(setup);
        if (options.Get("overhead-model") is not { } path)
        {
            return workload;
        }

        OverheadModel model;
        try
        {
            model = OverheadFiles.ReadModel(path);
        }
        catch (OverheadFormatException e)
        {
            throw new UsageException(e.Message);
        }

        var result = VirtualizedWorkload.Apply(workload, model, i => setup.VmSize(workload.Vms[i], i, workload.Vms.Count).Cores);
        if (result.MissingMetrics.Count > 0)
        {
            Console.Error.WriteLine($"roost simulate: note: {PrintableText.Escape(workload.Name)} has no {string.Join(", ", result.MissingMetrics.Select(NativeMetrics.Name))}; the model's terms in them count as 0");
        }

        if (result.ClippedSamples > 0)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"roost simulate: note: {result.ClippedSamples} of {result.Samples} samples of {PrintableText.Escape(workload.Name)} need more than their VM once virtualized; cut to 100 %"));
        }

        return result.Workload;
    }

    /// <summary>
    /// Samples /proc/stat, /proc/net/dev and /proc/diskstats every interval and turns each pair of readings into one
    /// profile line (<see cref="HostCounters"/>); the trace is written when the time is up.
    /// </summary>
    private static async Task<string> RecordAsync(ParsedOptions options, string verb, CancellationToken cancellationToken)
    {
        var seconds = options.GetDouble("seconds", double.NaN, min: 1, max: 86_400);
        if (double.IsNaN(seconds))
        {
            throw new UsageException($"{verb}: --seconds is required");
        }

        var interval = TimeSpan.FromSeconds(options.GetDouble("interval", 2, min: 0.1, max: 3_600));
        var output = options.Get("out");
        if (output is not null)
        {
            OutputPath.RequireFile("move record", "out", output);
        }

        var clock = TimeProvider.System;
        var start = clock.GetTimestamp();
        var previous = ReadHostCounters();
        var previousTime = TimeSpan.Zero;
        var count = Math.Max(1, (int)Math.Round(seconds / interval.TotalSeconds));
        var times = new List<double>(count);
        var samples = new List<NativeUsage>(count);
        var progress = new ProgressBar(1, enabled: !Console.IsErrorRedirected);
        for (var i = 1; i <= count; i++)
        {
            // Each sample is due at a multiple of the interval from the start, so delays do not accumulate.
            var due = interval * i - clock.GetElapsedTime(start);
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, clock, cancellationToken).ConfigureAwait(false);
            }

            var current = ReadHostCounters();
            var now = clock.GetElapsedTime(start);
            samples.Add(HostCounters.Between(previous, current, (now - previousTime).TotalSeconds));
            times.Add(Math.Round(now.TotalSeconds, 3));
            (previous, previousTime) = (current, now);
            progress.For(0).Report((double)i / count);
        }

        progress.Finish();
        var trace = UsageCsv.FormatProfile(times, samples);
        if (output is null)
        {
            return trace;
        }

        OverheadFiles.WriteText(output, trace);
        return string.Create(CultureInfo.InvariantCulture, $"{samples.Count} samples of this host's native usage, every {interval.TotalSeconds:0.###} s\nProfile: {PrintableText.Escape(output)}\n");
    }

    private static HostCounters ReadHostCounters()
    {
        try
        {
            return HostCounters.Parse(
                File.ReadAllText("/proc/stat"),
                File.ReadAllText("/proc/net/dev"),
                File.ReadAllText("/proc/diskstats"),
                name => !_notWholeDisks.Any(p => name.StartsWith(p, StringComparison.Ordinal)) && Directory.Exists(Path.Combine("/sys/block", name)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new UsageException($"roost move record: cannot read this host's counters: {e.Message}", exitCode: 1);
        }
    }

    private static string Required(ParsedOptions options, string name, string verb) =>
        options.Get(name) ?? throw new UsageException($"{verb}: --{name} is required");
}
