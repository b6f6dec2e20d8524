using System.Globalization;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost bft experiment agreement</c>: agreement throughput with empty requests, the figure BFT libraries compare
/// (docs/experiments/zz.md, "Agreement throughput against BFT-SMaRt"). One deployment, f = 1, every replica its own
/// process on loopback (4 agreement, 2 active executors and the frozen ZZ sleeper), the null service (empty
/// operations, empty results), C closed-loop clients with one request outstanding each; requests answered by f+1
/// matching replies per second in the window, per run and the median of the runs.
/// </summary>
internal sealed partial class BftCommand
{
    private static async Task<int> ExperimentAgreementAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        options.RejectOptionsOutside("experiment agreement", ["runs", "clients", "warmup", "duration"]);
        NoMorePositional(options, 2);
        var runs = options.GetInt("runs", 3, 1, 20);
        var clients = options.GetInt("clients", 32, 1, 256);
        var warmup = options.GetDouble("warmup", 5, 0, 600);
        var duration = options.GetDouble("duration", 20, 1, 3600);
        var folder = Path.Combine(Path.GetTempPath(), $"roost-bft-agreement-{Environment.ProcessId}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"experiment agreement: f = 1, 4 agreement + 3 execution processes (ZZ: 2 active, 1 frozen), null service (empty requests and replies), "
            + $"{clients} closed-loop clients with one request outstanding each; warm-up {warmup} s, window {duration} s, {runs} run(s); "
            + $"{Environment.ProcessorCount} CPUs, load average {LoadAverage()}"));
        var throughputs = new List<double>();
        try
        {
            for (var run = 1; run <= runs; run++)
            {
                var results = await RunServicesAsync(folder, "zz", 1, clients, "null", run, null, vmSleepers: false,
                    ["--warmup", Text(warmup), "--duration", Text(duration), "--seed", Text(run)], cancellationToken).ConfigureAwait(false);
                if (results is null)
                {
                    return 1;
                }

                var r = results[0];
                throughputs.Add(r.Throughput);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"run {run}: {r.Throughput:F1} requests/s ({r.Requests} in {r.WindowSeconds:F1} s), median latency {r.MedianLatencyMs:F2} ms, p90 {r.P90LatencyMs:F2} ms, "
                    + $"errors {r.Errors}, thaws {r.Thaws}, highest view {r.View}; load average after {LoadAverage()}"));
                if (r.Errors > 0 || r.Requests == 0)
                {
                    Console.WriteLine(r.Requests == 0 ? "no request was answered in the window" : $"{r.Errors} replies were not empty");
                    return 1;
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median of {runs}: {Median(throughputs):F1} requests/s"));
        return 0;
    }
}
