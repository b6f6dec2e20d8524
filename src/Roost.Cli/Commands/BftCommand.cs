using System.Diagnostics;
using System.Globalization;
using Roost.Bft;
using Roost.Bft.Net;
using Roost.Bft.Simulation;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost bft</c>: the BFT library's deterministic simulation (<c>sim</c>: many seeded runs, or one seed replayed)
/// and its simulation-level experiments (<c>experiment</c>), as documented in docs/experiments/zz.md; the deployment on
/// real processes (<c>keys</c>, <c>node</c>, <c>cluster</c>, <c>experiment real</c>) is in BftCommand.Real.cs.
/// </summary>
internal sealed partial class BftCommand : ICommand
{
    // The state-transfer experiment holds every object in memory: 5x the documented 410 MB run.
    private const long MaxStateBytes = 2L << 30;

    public string Name => "bft";

    public string Summary => "BFT (ZZ) deterministic simulation campaigns and simulated experiments";

    public OptionSet Options { get; } = new OptionSet(
            "roost bft sim [--runs N] [--f 1|2|both] [--first-seed S] [--faults all|K1,K2] [--mode zz|all|mixed] [--threads T]\n"
            + "       roost bft sim --seed S [--f F] [--faults ...] [--mode ...]\n"
            + "       roost bft experiment recovery|state-transfer|catch-up [--seed S] [--objects N] [--object-bytes B] [--bandwidth-mbit M] [--ops N] [--empty-image] [--silent-liar] [--requests R]\n"
            + "       roost bft keys --config FILE --out DIR\n"
            + "       roost bft node --config FILE --keys FILE --node NAME [--lie-on-stdin] [--empty-image]\n"
            + "       roost bft cluster --config FILE --keys DIR [--warmup S] [--duration S] [--work N] [--seed S] [--wrong-replies eI] [--wrong-after S] [--wait-go] [--empty-image] [--sleepers process|vm]\n"
            + "       roost bft experiment real [--services N] [--runs R] [--clients C] [--warmup S] [--duration S] [--work N] [--objects N] [--object-bytes B] [--wrong-replies eI] [--empty-image] [--sleepers process|vm]\n"
            + "       roost bft experiment agreement [--runs R] [--clients C] [--warmup S] [--duration S]",
            "sim runs seeded simulations of 3f+1 agreement and 2f+1 execution replicas with clients over a faulty network\n"
            + "(drop, duplicate, reorder, partition, replay), crashes, Byzantine replicas and silent corruption, and checks\n"
            + "linearizability, agreement, checkpoint correctness, repair and liveness after healing. Exit 1 if any run fails;\n"
            + "each failure prints the command that replays it. experiment prints simulated-time measurements.\n"
            + "keys, node and cluster run a deployment as real processes over TCP on loopback (see docs/experiments/zz.md);\n"
            + "experiment real compares ZZ with 2f+1 active executors on several services sharing this machine;\n"
            + "experiment agreement measures throughput with empty requests (null service) on one deployment.")
        .WithArguments("sim|experiment NAME|keys|node|cluster", "sim", "experiment", "recovery", "state-transfer", "catch-up", "real", "agreement", "keys", "node", "cluster")
        .Add("runs", "N", "sim: seeds per value of f (default 1000); experiment real/agreement: runs (default 3)")
        .Add("f", "F", "1, 2 or both (default both)")
        .Add("first-seed", "S", "First seed (default 1); runs use S .. S+N-1")
        .Add("seed", "S", "Replay one seed and print its scenario and result")
        .Add("faults", "LIST", $"all (default) or a comma list of: {string.Join(", ", Enum.GetNames<FaultKinds>().Where(n => n is not ("None" or "All")))}")
        .Add("mode", "M", "zz, all (2f+1 active) or mixed (default: 80 % zz)")
        .Add("trace", null, "With --seed: print the protocol events (not commits and executions) and every node's state at the end")
        .Add("threads", "T", "Parallel runs (default: processor count)")
        .Add("objects", "N", "experiment state-transfer: state objects (default 100000)")
        .Add("object-bytes", "B", "experiment state-transfer: bytes per object (default 4096)")
        .Add("bandwidth-mbit", "M", "experiment state-transfer: simulated link bandwidth in Mbit/s (default 1000)")
        .Add("requests", "R", "experiment catch-up: requests issued while the replica is down (default 100000)")
        .Add("ops", "N", "experiment state-transfer: requests per client (4 clients, default 300; more keeps the load on during the transfer)")
        .Add("silent-liar", null, "experiment state-transfer: the liar stops answering 10 ms after its first lie (a retired replica, frozen)")
        .Add("sleepers", "process|vm", "cluster, experiment real: ZZ's sleepers as frozen processes (default) or as paused VMs under a roost agent (root; the cluster in a network namespace of its own, which experiment real makes with unshare -n)")
        .Add("empty-image", null, "experiment state-transfer, experiment real, cluster, node: the sleeper holds none of the state (a new VM)")
        .Add("config", "FILE", "keys/node/cluster: the deployment file (f, mode, service, timing, node addresses)")
        .Add("keys", "PATH", "node: the node's key file; cluster: the folder of every node's key file")
        .Add("out", "DIR", "keys: folder to write the key files into (created owner-only)")
        .Add("node", "NAME", "node: which replica this process runs (a0, e1, ...)")
        .Add("lie-on-stdin", null, "node: an executor that sends wrong replies once a line arrives on standard input (fault experiments)")
        .Add("warmup", "S", "cluster/experiment real/agreement: seconds of load before the measured window (default 2; agreement 5)")
        .Add("duration", "S", "cluster/experiment real/agreement: seconds of the measured window (default 10; agreement 20)")
        .Add("work", "N", "cluster/experiment real: SHA-256 rounds per request (default 20000)")
        .Add("wrong-replies", "eI", "cluster: this executor lies from --wrong-after; experiment real: fault mode")
        .Add("wrong-after", "S", "cluster: seconds after the load starts when the liar starts (default 1)")
        .Add("wait-go", null, "cluster: after 'ready', wait for a line on standard input before loading")
        .Add("services", "N", "experiment real: replicated services sharing the machine (default 4)")
        .Add("clients", "C", "experiment real: closed-loop clients per service (default 4); experiment agreement: clients, one request outstanding each (default 32)");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            return (options.Positional.Count > 0 ? options.Positional[0] : null) switch
            {
                "sim" => Simulate(options, cancellationToken),
                "experiment" when options.Positional.Count > 1 && options.Positional[1] == "real" => await ExperimentRealAsync(options, cancellationToken).ConfigureAwait(false),
                "experiment" when options.Positional.Count > 1 && options.Positional[1] == "agreement" => await ExperimentAgreementAsync(options, cancellationToken).ConfigureAwait(false),
                "experiment" => Experiment(options),
                "keys" => Keys(options),
                "node" => await NodeAsync(options, cancellationToken).ConfigureAwait(false),
                "cluster" => await ClusterAsync(options, cancellationToken).ConfigureAwait(false),
                null => throw new UsageException("roost bft: say 'sim', 'experiment', 'keys', 'node' or 'cluster' (see 'roost bft --help')"),
                var other => throw new UsageException($"roost bft: unknown subcommand '{other}' (sim, experiment, keys, node or cluster)"),
            };
        }
        catch (ConfigException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static int Simulate(ParsedOptions options, CancellationToken cancellationToken)
    {
        if (options.Positional.Count > 1)
        {
            throw new UsageException($"roost bft sim: unexpected argument '{options.Positional[1]}' (see 'roost bft --help')");
        }

        if (options.Has("trace") && !options.Has("seed"))
        {
            throw new UsageException("roost bft sim: --trace needs --seed S (it traces one replayed run)");
        }

        var faults = ParseFaults(options.Get("faults") ?? "all");
        ExecutionMode? mode = (options.Get("mode") ?? "mixed") switch
        {
            "zz" => ExecutionMode.Zz,
            "all" => ExecutionMode.AllActive,
            "mixed" => null,
            var m => throw new UsageException($"roost bft: --mode '{m}' is not zz, all or mixed"),
        };
        var fs = (options.Get("f") ?? (options.Has("seed") ? "1" : "both")) switch
        {
            "1" => new[] { 1 },
            "2" => [2],
            "both" => [1, 2],
            var f => throw new UsageException($"roost bft: --f '{f}' is not 1, 2 or both"),
        };

        if (options.Get("seed") is { } seedText)
        {
            if (!long.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed))
            {
                throw new UsageException($"roost bft: --seed '{seedText}' is not a whole number");
            }

            var scenario = SimulationScenario.Generate(seed, fs[0], faults, mode);
            var simulator = new Simulator(scenario);
            if (options.Has("trace"))
            {
                simulator.Observer = (at, e) =>
                {
                    if (e is not (ProtocolEvent.Executed or ProtocolEvent.ReplySent or ProtocolEvent.Committed or ProtocolEvent.Stable))
                    {
                        Console.WriteLine($"  {at,10} µs {e}");
                    }
                };
            }

            var result = simulator.Run();
            Console.WriteLine(scenario.Describe());
            if (options.Has("trace"))
            {
                foreach (var line in simulator.DescribeNodes())
                {
                    Console.WriteLine("  end: " + line);
                }
            }

            Console.WriteLine($"  simulated {result.EndMicros / 1000.0:F1} ms, {result.Events} events, {result.Messages} messages, views {result.Views}, "
                + $"wake-ups {result.Wakes}, state transfers {result.Syncs}, corruptions found {result.CorruptionsDetected} (objects repaired {result.ObjectsRepaired}), retired {result.Retired}");
            foreach (var violation in result.Violations)
            {
                Console.WriteLine("  VIOLATION " + violation);
            }

            Console.WriteLine(result.Passed ? "  ok" : "  FAILED");
            return result.Passed ? 0 : 1;
        }

        var runs = options.GetInt("runs", 1000, 1, 100_000_000);
        var first = options.GetInt("first-seed", 1, 0, int.MaxValue);
        var threads = options.GetInt("threads", Environment.ProcessorCount, 1, 256);
        var failed = 0;
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        foreach (var f in fs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var started = clock.Elapsed;
            var last = TimeSpan.Zero;
            var summary = SimulationCampaign.Run(first, runs, f, faults, mode, threads, done =>
            {
                if (clock.Elapsed - last > TimeSpan.FromSeconds(10))
                {
                    last = clock.Elapsed;
                    Console.Error.WriteLine($"  f={f}: {done}/{runs} runs ({(clock.Elapsed - started).TotalSeconds:F0} s)");
                }
            });
            var wall = clock.Elapsed - started;
            Console.WriteLine($"f={f}: {summary.Runs} runs (seeds {first}..{(long)first + runs - 1}), {summary.Failed} failed, {wall.TotalSeconds:F1} s wall, "
                + $"{summary.Events / Math.Max(1, summary.Runs)} events/run");
            Console.WriteLine($"  runs with view changes {summary.RunsWithViewChanges}, with wake-ups {summary.RunsWithWakes}, with state transfers {summary.RunsWithSyncs}; "
                + $"corruptions found {summary.CorruptionsDetected}, replicas retired {summary.Retired}");
            Console.WriteLine("  runs per fault kind: " + string.Join(", ", summary.RunsPerFault.Select(p => $"{p.Key} {p.Value}")));
            foreach (var failure in summary.Failures.Take(20))
            {
                Console.WriteLine($"  FAILED {failure.Scenario.Describe()}");
                foreach (var violation in failure.Violations.Take(3))
                {
                    Console.WriteLine("    " + violation);
                }

                Console.WriteLine($"    replay: roost bft sim --seed {failure.Scenario.Seed} --f {f} --faults {FaultsText(faults)} --mode {options.Get("mode") ?? "mixed"}");
            }

            failed += summary.Failed;
        }

        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"total: {(long)runs * fs.Length} runs, {failed} failed, {clock.Elapsed.TotalSeconds:F1} s wall, {cpu.TotalSeconds:F1} s CPU");
        return failed == 0 ? 0 : 1;
    }

    private static int Experiment(ParsedOptions options)
    {
        var name = options.Positional.Count > 1 ? options.Positional[1] : throw new UsageException("roost bft experiment: name one of recovery, state-transfer, catch-up, real");
        if (options.Positional.Count > 2)
        {
            throw new UsageException($"roost bft experiment: unexpected argument '{options.Positional[2]}' (see 'roost bft --help')");
        }

        var seed = options.GetInt("seed", 1, 0, int.MaxValue);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        var violations = name switch
        {
            "recovery" => Recovery(seed),
            "state-transfer" => StateTransfer(options, seed),
            "catch-up" => CatchUp(options, seed),
            _ => throw new UsageException($"roost bft experiment: unknown experiment '{name}' (recovery, state-transfer, catch-up, real, agreement)"),
        };
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Console.WriteLine($"  simulation: {wall.Elapsed.TotalSeconds:F1} s wall, {cpu.TotalSeconds:F1} s CPU; invariant violations: {violations.Count}");
        foreach (var violation in violations.Take(5))
        {
            Console.WriteLine("  VIOLATION " + violation);
        }

        return violations.Count == 0 ? 0 : 1;
    }

    private static IReadOnlyList<string> Recovery(int seed)
    {
        var r = Experiments.Recovery(seed);
        Console.WriteLine($"recovery (simulated, f=1, ZZ, 100 µs links): first bad reply at {r.FirstBadReplyMicros / 1000.0:F3} ms, "
            + $"sleeper woken at {r.WakeMicros / 1000.0:F3} ms, that request answered correctly at {r.CorrectServiceMicros / 1000.0:F3} ms: "
            + $"{r.RecoveryMicros / 1000.0:F3} ms from first bad reply to correct service; wake-ups {r.Wakes}, retired {r.Retired}");
        return r.Violations;
    }

    private static IReadOnlyList<string> StateTransfer(ParsedOptions options, int seed)
    {
        var objects = options.GetInt("objects", 100_000, 1, 10_000_000);
        var bytes = options.GetInt("object-bytes", 4096, 32, 1 << 20);
        var mbit = options.GetInt("bandwidth-mbit", 1000, 1, 1_000_000);
        if ((long)objects * bytes > MaxStateBytes)
        {
            throw new UsageException($"roost bft experiment state-transfer: --objects {objects} x --object-bytes {bytes} is {(long)objects * bytes} bytes of state; "
                + $"at most {MaxStateBytes} (the simulation holds the state in memory)");
        }

        var empty = options.Has("empty-image");
        var operations = options.GetInt("ops", 300, 1, 10_000_000);
        var silent = options.Has("silent-liar");
        var r = Experiments.StateTransfer(seed, objects, bytes, mbit * 125_000L, empty, operations, silentLiar: silent);
        Console.WriteLine($"state transfer (simulated, f=1, ZZ, {objects} objects x {bytes} B = {(double)objects * bytes / 1e6:F0} MB, {mbit} Mbit/s links, "
            + $"sleeper {(empty ? "with an empty image" : "from the initial image")}{(silent ? ", the liar silent 10 ms after its first lie" : "")}): woken at {r.WokenAtMicros / 1000.0:F1} ms, "
            + $"first reply {(r.FirstReplyMicros - r.WokenAtMicros) / 1000.0:F1} ms after waking, whole state {(r.FullStateMicros - r.WokenAtMicros) / 1000.0:F1} ms after waking "
            + $"({r.ObjectsFetched} objects, {r.BytesFetched / 1e6:F1} MB fetched; the transfer moved to a newer checkpoint {r.TargetMoves} times)");
        return r.Violations;
    }

    private static IReadOnlyList<string> CatchUp(ParsedOptions options, int seed)
    {
        var requests = options.GetInt("requests", 100_000, 100, 100_000_000);
        var r = Experiments.CatchUp(seed, requests);
        Console.WriteLine($"catch-up (simulated, f=1, 2f+1 mode, 100 µs links): e2 down while {r.LagRequests} requests were answered, restarted at "
            + $"{r.RestartMicros / 1000.0:F1} ms, reached the head (sequence {r.HeadSequence}) {(r.CaughtUpMicros - r.RestartMicros) / 1000.0:F1} ms later "
            + $"({r.ObjectsFetched} objects fetched); simulated {r.EndMicros / 1e6:F1} s in total");
        return r.Violations;
    }

    private static FaultKinds ParseFaults(string text)
    {
        if (text == "all")
        {
            return FaultKinds.All;
        }

        var faults = FaultKinds.None;
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<FaultKinds>(name, ignoreCase: true, out var kind) || kind is FaultKinds.All or FaultKinds.None || !Enum.IsDefined(kind))
            {
                throw new UsageException($"roost bft: --faults: '{name}' is not a fault kind (see 'roost bft --help')");
            }

            faults |= kind;
        }

        return faults;
    }

    private static string FaultsText(FaultKinds faults) => faults == FaultKinds.All ? "all" : faults.ToString().Replace(" ", "", StringComparison.Ordinal);
}
