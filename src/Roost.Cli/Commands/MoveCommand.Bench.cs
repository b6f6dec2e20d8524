using System.Globalization;
using System.Text;
using Roost.Core.Overheads;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Move;
using Roost.Hypervisor.Qemu;
using Roost.Simulation.Input;
using Roost.Simulation.Overheads;

namespace Roost.Cli.Commands;

/// <summary><c>roost move bench</c> and <c>roost move evaluate</c>: measure MOVE's samples on this host, and score a model on them.</summary>
internal sealed partial class MoveCommand
{
    /// <summary>The validation applications at three offered loads each (not in the training suite).</summary>
    private static readonly MoveWorkload[] _apps =
    [
        new MoveWorkload.Web(50), new MoveWorkload.Web(100), new MoveWorkload.Web(200),
        new MoveWorkload.Database(5), new MoveWorkload.Database(10), new MoveWorkload.Database(20),
    ];

    private static async Task<string> BenchAsync(ParsedOptions options, string verb, CancellationToken cancellationToken)
    {
        var output = Required(options, "out", verb);
        OutputPath.RequireFile("move bench", "out", output);
        var workloads = options.Get("workloads") switch
        {
            null or "micro" => MoveBenchmark.Suite.Select(b => (MoveWorkload)new MoveWorkload.Micro(b)).ToList(),
            "apps" => [.. _apps],
            "all" => [.. MoveBenchmark.Suite.Select(b => (MoveWorkload)new MoveWorkload.Micro(b)), .. _apps],
            var other => throw new UsageException($"{verb}: --workloads '{PrintableText.Escape(other)}' is not micro, apps or all"),
        };
        var timing = new MoveBenchTiming(options.GetInt("samples", 5, min: 1, max: 1000), options.GetInt("interval", 2, min: 1, max: 60));
        var memory = options.GetInt("memory", 256, min: 128, max: 4096);
        var qemu = options.Get("qemu") ?? "qemu-system-x86_64";
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            throw new UsageException($"{verb}: needs root on Linux (it makes a network namespace, a bridge and a loop device)", exitCode: 1);
        }

        var image = await new GuestImageBuilder(GuestImageBuilder.DefaultCacheRoot()).BuildAsync("database", cancellationToken).ConfigureAwait(false) switch
        {
            ImageBuildResult.Built built => built.Image,
            ImageBuildResult.Failed failed => throw new UsageException($"{verb}: guest image: {failed.Reason}", exitCode: 1),
            _ => throw new InvalidOperationException("unreachable"),
        };
        var work = Path.Combine(Path.GetTempPath(), "roost-move-probe");
        var accelerator = options.Get("accel") switch
        {
            null or "auto" => await AcceleratorProbe.DetectAsync(qemu, image, work, TimeProvider.System, cancellationToken).ConfigureAwait(false),
            "tcg" => Accelerator.Tcg,
            "kvm" => Accelerator.Kvm,
            var other => throw new UsageException($"{verb}: --accel '{PrintableText.Escape(other)}' is not auto, tcg or kvm"),
        };

        var started = TimeProvider.System.GetTimestamp();
        var times = new List<double>();
        var samples = new List<BenchmarkSample>();
        var progress = new ProgressBar(workloads.Count, enabled: !Console.IsErrorRedirected);
        try
        {
            await using var lab = await MoveLab.StartAsync(image, accelerator, qemu, memory, cancellationToken).ConfigureAwait(false);
            var bench = new MoveBench(lab, timing);
            for (var i = 0; i < workloads.Count; i++)
            {
                foreach (var sample in await bench.RunAsync(workloads[i], progress.For(i), cancellationToken).ConfigureAwait(false))
                {
                    times.Add(sample.TimeSeconds);
                    samples.Add(new BenchmarkSample(sample.Workload, sample.Native, sample.Virtual));
                }
            }
        }
        catch (MoveBenchException e)
        {
            progress.Finish();
            throw new UsageException($"{verb}: {e.Message}", exitCode: 1);
        }

        progress.Finish();
        OverheadFiles.WriteText(output, $"# roost move bench: {accelerator.ToString().ToUpperInvariant()}, 1 vCPU, {memory} MiB, image {image.Profile} (kernel {image.KernelRelease}), {timing.Samples} samples of {timing.IntervalSeconds} s per run\n"
            + UsageCsv.FormatSamples(times, samples));
        var minutes = TimeProvider.System.GetElapsedTime(started).TotalMinutes;
        return string.Create(CultureInfo.InvariantCulture, $"{samples.Count} samples of {workloads.Count} workloads, native and in a {accelerator.ToString().ToUpperInvariant()} guest, in {minutes:0.0} min\nSamples: {PrintableText.Escape(output)}\n");
    }

    private static string Evaluate(ParsedOptions options, string verb)
    {
        var modelPath = Required(options, "model", verb);
        var samplesPath = Required(options, "samples", verb);
        var model = OverheadFiles.ReadModel(modelPath);
        var (samples, _) = OverheadFiles.ReadSamples(samplesPath);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{PrintableText.Escape(modelPath)} ({OverheadFitOptions.MethodName(model.Options.Method)}) on {PrintableText.Escape(samplesPath)}: relative error of predicted vs measured CPU, median / 90th percentile\n");
        text.Append("application  samples  guest              emulation          total\n");
        foreach (var errors in PredictionErrors.Of(model, samples))
        {
            text.Append(CultureInfo.InvariantCulture, $"{errors.Application,-12} {errors.Samples,7}  {Show(errors.Guest),-17}  {Show(errors.Emulation),-17}  {Show(errors.Total)}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"(samples with under {PredictionErrors.MinimumMeasuredPct:0.#} % of a core measured are left out of a column and counted in its '+N')\n");
        return text.ToString();
    }

    private static string Show(ErrorSummary summary) => summary.Counted == 0
        ? $"-  (+{summary.Skipped})"
        : string.Create(CultureInfo.InvariantCulture, $"{summary.MedianPct,5:0.0} / {summary.P90Pct,5:0.0} %{(summary.Skipped > 0 ? $" +{summary.Skipped}" : "")}");
}
