using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Roost.Bft.Net;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost bft experiment real</c>: N replicated services (f = 1 each, every replica its own process) share this
/// machine under closed-loop CPU-bound load; ZZ (f+1 active executors, f frozen) against 2f+1 active executors on the
/// same machine, alternating which goes first, median of the runs. With <c>--wrong-replies eI</c>, ZZ only, that
/// executor of the first service starts lying one second into the measured window and the recovery time is reported.
/// </summary>
internal sealed partial class BftCommand
{
    private static readonly string[] _emptyImageArgument = ["--empty-image"];
    private static readonly string[] _vmSleepersArgument = ["--sleepers", "vm"];

    private static async Task<int> ExperimentRealAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        options.RejectOptionsOutside("experiment real", ["services", "runs", "clients", "warmup", "duration", "work", "objects", "object-bytes", "wrong-replies", "empty-image", "sleepers"]);
        NoMorePositional(options, 2);
        var services = options.GetInt("services", 4, 1, 8);
        var runs = options.GetInt("runs", 3, 1, 20);
        var clients = options.GetInt("clients", 4, 1, 64);
        var warmup = options.GetDouble("warmup", 3, 0, 600);
        var duration = options.GetDouble("duration", 15, 1, 3600);
        var work = options.GetInt("work", 20_000, 0, Roost.Bft.Services.HashChainService.MaxWork);
        var objects = options.GetInt("objects", 1024, 1, Roost.Bft.Services.HashChainService.MaxObjects);
        var objectBytes = options.GetInt("object-bytes", 4096, Roost.Bft.Services.HashChainService.MinObjectBytes, Roost.Bft.Services.HashChainService.MaxObjectBytes);
        if ((long)objects * objectBytes > ServiceSpec.MaxStateBytes)
        {
            throw new UsageException($"roost bft experiment real: --objects {objects} x --object-bytes {objectBytes} is more than {ServiceSpec.MaxStateBytes} bytes");
        }

        var vmSleepers = options.Get("sleepers") switch
        {
            null or "process" => false,
            "vm" => true,
            var other => throw new UsageException($"roost bft experiment real: --sleepers '{PrintableText.Escape(other)}' is not process or vm"),
        };
        if (vmSleepers && options.Has("empty-image"))
        {
            throw new UsageException("roost bft experiment real: --sleepers vm runs the sleepers with their data (no --empty-image)");
        }

        var liar = options.Get("wrong-replies");
        if (liar is not null && (!DeploymentConfig.TryParseNode(liar, out var liarNode) || liarNode.Role != Roost.Bft.NodeRole.Execution || liarNode.Index > 2))
        {
            throw new UsageException($"roost bft experiment real: --wrong-replies '{PrintableText.Escape(liar)}' is not e0, e1 or e2");
        }

        var folder = Path.Combine(Path.GetTempPath(), $"roost-bft-real-{Environment.ProcessId}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var totals = new Dictionary<string, List<(double Throughput, double Median)>> { ["zz"] = [], ["all"] = [] };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"experiment real: {services} services x (4 agreement + 3 execution processes), f = 1, {clients} closed-loop clients each, {work} SHA-256 rounds per request, "
            + $"state {objects} x {objectBytes} B per service; warm-up {warmup} s, window {duration} s, {runs} run(s); {Environment.ProcessorCount} CPUs, load average {LoadAverage()}"));
        try
        {
            for (var run = 1; run <= runs; run++)
            {
                string[] modes = liar is not null ? ["zz"] : run % 2 == 1 ? ["zz", "all"] : ["all", "zz"];
                foreach (var mode in modes)
                {
                    var results = await RunServicesAsync(folder, mode, services, clients, string.Create(CultureInfo.InvariantCulture, $"hash-chain objects={objects} object-bytes={objectBytes}"), run, liar, vmSleepers && mode == "zz",
                        ["--warmup", Text(warmup), "--duration", Text(duration), "--work", Text(work), "--seed", Text(run), "--wrong-after", Text(warmup + 1), .. (options.Has("empty-image") ? _emptyImageArgument : [])], cancellationToken).ConfigureAwait(false);
                    if (results is null)
                    {
                        return 1;
                    }

                    var throughput = results.Sum(r => r.Throughput);
                    var median = Median(results.Select(r => r.MedianLatencyMs));
                    totals[mode].Add((throughput, median));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"run {run} {mode,-3}: {throughput,8:F1} requests/s in total, median latency {median:F1} ms (median of the services' medians), "
                        + $"freezes {results.Sum(r => r.Freezes)}, thaws {results.Sum(r => r.Thaws)} ({results[0].Freezer}), highest view {results.Max(r => r.View)}; load average after {LoadAverage()}"));
                    foreach (var (r, k) in results.Select((r, k) => (r, k)))
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"    service {k}: {r.Throughput:F1} requests/s, median {r.MedianLatencyMs:F1} ms, p90 {r.P90LatencyMs:F1} ms{(r.RecoveryMs is { } rec ? $", first wrong reply to correct service {rec:F1} ms" : "")}"));
                    }
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        if (liar is null)
        {
            var zz = totals["zz"];
            var all = totals["all"];
            var zzThroughput = Median(zz.Select(t => t.Throughput));
            var allThroughput = Median(all.Select(t => t.Throughput));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"median of {runs}: ZZ {zzThroughput:F1} requests/s, median latency {Median(zz.Select(t => t.Median)):F1} ms; 2f+1 {allThroughput:F1} requests/s, "
                + $"median latency {Median(all.Select(t => t.Median)):F1} ms; throughput ratio ZZ / 2f+1 = {zzThroughput / allThroughput:F2}"));
        }

        return 0;
    }

    /// <summary>A failed cluster's last 20 lines of output, indented.</summary>
    private static void PrintLast(List<string> lines)
    {
        lock (lines)
        {
            foreach (var line in lines.TakeLast(20))
            {
                Console.WriteLine("    " + line);
            }
        }
    }

    /// <remarks>
    /// <paramref name="vmSleepers"/>: each cluster runs under <c>unshare -n -m</c> (network and mount namespaces of its
    /// own, gone with it) with <c>--sleepers vm</c>, its sleeper in a VM on the namespace's bridge.
    /// </remarks>
    private static async Task<List<ClusterResult>?> RunServicesAsync(string folder, string mode, int services, int clients, string service, int run, string? liar, bool vmSleepers, string[] common, CancellationToken cancellationToken)
    {
        var processes = new List<(Process Process, List<string> Lines, TaskCompletionSource<bool> Ready)>();
        var ports = FreePorts(services * PortsPerService(clients));
        try
        {
            for (var k = 0; k < services; k++)
            {
                var config = Path.Combine(folder, $"run{run}-{mode}-s{k}.conf");
                var keys = Path.Combine(folder, $"run{run}-{mode}-s{k}.keys");
                var text = ExperimentConfig(mode, clients, service, CollectionsMarshal.AsSpan(ports).Slice(k * PortsPerService(clients), PortsPerService(clients)), vmSleepers);
                await File.WriteAllTextAsync(config, text, cancellationToken).ConfigureAwait(false);
                NodeKeys.Generate(DeploymentConfig.Parse(text, config), keys);
                var start = RoostStartInfo(["bft", "cluster", "--config", config, "--keys", keys, "--wait-go", .. common, .. (k == 0 && liar is not null ? new[] { "--wrong-replies", liar } : []),
                    .. (vmSleepers ? _vmSleepersArgument : [])]);
                if (vmSleepers)
                {
                    start.ArgumentList.Insert(0, start.FileName);
                    start.ArgumentList.Insert(0, "-m");
                    start.ArgumentList.Insert(0, "-n");
                    start.FileName = "unshare";
                }
                start.RedirectStandardInput = true;
                start.RedirectStandardOutput = true;
                start.RedirectStandardError = true;
                start.UseShellExecute = false;
                var process = new Process { StartInfo = start };
                var lines = new List<string>();
                var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                void OnLine(string? line)
                {
                    if (line is null)
                    {
                        ready.TrySetResult(false);
                        return;
                    }

                    lock (lines)
                    {
                        lines.Add(line);
                    }

                    if (line.StartsWith("ready ", StringComparison.Ordinal))
                    {
                        ready.TrySetResult(true);
                    }
                }

                process.OutputDataReceived += (_, e) => OnLine(e.Data);
                process.ErrorDataReceived += (_, e) =>
                {
                    if (e.Data is not null)
                    {
                        lock (lines)
                        {
                            lines.Add("stderr: " + e.Data);
                        }
                    }
                };
                process.Start();
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                processes.Add((process, lines, ready));
            }

            await Task.WhenAll(processes.Select(p => p.Ready.Task)).WaitAsync(TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
            foreach (var (process, lines, ready) in processes)
            {
                try
                {
                    if (await ready.Task.ConfigureAwait(false))
                    {
                        await process.StandardInput.WriteLineAsync("go".AsMemory(), cancellationToken).ConfigureAwait(false);
                        await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }
                catch (IOException)
                {
                    // It ended between 'ready' and 'go' (its standard input is a broken pipe): reported below.
                }

                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                Console.WriteLine($"a cluster of mode {mode} (run {run}) ended with exit code {process.ExitCode} before it started its load; its last lines:");
                PrintLast(lines);
                return null;
            }

            var results = new List<ClusterResult>();
            foreach (var (process, lines, _) in processes)
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                ClusterResult? result = null;
                lock (lines)
                {
                    foreach (var line in lines)
                    {
                        if (ClusterResult.TryParse(line, out result))
                        {
                            break;
                        }
                    }
                }

                if (result is null)
                {
                    Console.WriteLine($"a cluster of mode {mode} (run {run}) ended with exit code {process.ExitCode} and no result; its last lines:");
                    PrintLast(lines);
                    return null;
                }

                if (liar is not null && results.Count == 0)
                {
                    lock (lines)
                    {
                        foreach (var line in lines.Where(l => !l.Contains(": woken replica", StringComparison.Ordinal)).Where(l => l.Contains("wrong", StringComparison.Ordinal) || l.Contains("thawed", StringComparison.Ordinal)
                            || l.Contains("frozen", StringComparison.Ordinal) || l.Contains(": state ", StringComparison.Ordinal) || l.Contains("wake-requested", StringComparison.Ordinal)).Take(30))
                        {
                            Console.WriteLine("    s0 " + line.Trim());
                        }

                        foreach (var line in lines.Where(l => l.Contains(": woken replica", StringComparison.Ordinal)))
                        {
                            Console.WriteLine("    s0 " + line.Trim());
                        }

                        // The executors' state transfers (a transfer moved to a newer checkpoint starts again).
                        foreach (var line in lines.Where(l => l.Contains(": sync ", StringComparison.Ordinal)).Take(40))
                        {
                            Console.WriteLine("    s0 " + line.Trim());
                        }
                    }
                }

                results.Add(result);
            }

            return results;
        }
        finally
        {
            foreach (var (process, _, _) in processes)
            {
                // A cluster whose standard input closes before 'go' stops and cleans up itself (its sleepers are
                // frozen: killing it would leave them so); one already loading ends after its window.
                if (!process.HasExited)
                {
                    process.StandardInput.Close();
                    try
                    {
                        await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2), CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        process.Kill(entireProcessTree: true);
                        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }

                process.Dispose();
            }
        }
    }

    private static string Text(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
