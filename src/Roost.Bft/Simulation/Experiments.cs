using Roost.Bft.Messages;

namespace Roost.Bft.Simulation;

/// <summary>
/// The simulation-level measurements of docs/experiments/zz.md. Every figure is simulated time on the simulated
/// network the scenario states (latency, bandwidth), except the CPU time the simulation itself took.
/// </summary>
public static class Experiments
{
    /// <summary>LAN timing for experiments: the library's default timeouts, 100 µs latency.</summary>
    private static BftOptions LanOptions(int f, ExecutionMode mode) => new()
    {
        F = f,
        Mode = mode,
        CheckpointInterval = 16,
        Window = 64,
        MaxBatch = 32,
        MaxInFlight = 4,
    };

    public sealed record RecoveryResult(long FirstBadReplyMicros, long CorrectServiceMicros, long WakeMicros, int Wakes, int Retired, IReadOnlyList<string> Violations)
    {
        public long RecoveryMicros => CorrectServiceMicros - FirstBadReplyMicros;
    }

    /// <summary>
    /// Fault mode: an active execution replica starts returning wrong replies (and wrong reply digests) at 200 ms;
    /// the time from its first bad reply until the client whose request it was got f+1 matching replies.
    /// </summary>
    public static RecoveryResult Recovery(long seed, int f = 1)
    {
        var scenario = new SimulationScenario
        {
            Seed = seed,
            Options = LanOptions(f, ExecutionMode.Zz),
            Faults = FaultKinds.WrongReplies,
            Clients = 4,
            OperationsPerClient = 400,
            Keys = 64,
            Buckets = 256,
            LatencyMicros = 100,
            JitterMicros = 20,
            HealAtMicros = 0,
            ByzantineExecution = [0],
            ByzantineFromMicros = 200_000,
            WrongReplyProbability = 1.0,
            ThinkMicros = 500,
        };
        var simulator = new Simulator(scenario);
        long firstWake = -1;
        simulator.Observer = (now, e) =>
        {
            if (e is ProtocolEvent.ExecutorStateChanged { Kind: ControlKind.Wake } && firstWake < 0)
            {
                firstWake = now;
            }
        };
        var result = simulator.Run();
        var bad = simulator.FirstBadReplyAt;

        // Correct service: the first request issued at or before the first bad reply and answered after it.
        var answered = simulator.History.Where(o => o.CompletedAt >= bad && o.InvokedAt <= bad).Select(o => o.CompletedAt ?? 0).DefaultIfEmpty(-1).Max();
        return new RecoveryResult(bad, answered, firstWake, result.Wakes, result.Retired, result.Violations);
    }

    public sealed record StateTransferResult(
        int Objects,
        int ObjectBytes,
        long BandwidthBytesPerSecond,
        long WokenAtMicros,
        long FirstReplyMicros,
        long FullStateMicros,
        int ObjectsFetched,
        long BytesFetched,
        IReadOnlyList<string> Violations)
    {
        /// <summary>How many times the woken replica's transfer moved to a newer checkpoint before it completed.</summary>
        public int TargetMoves { get; init; }
    }

    /// <summary>
    /// A woken replica with a large state (<paramref name="objects"/> objects of <paramref name="objectBytes"/>):
    /// time from its wake-up to its first reply to a client, and to holding the whole certified state. With
    /// <paramref name="emptyImage"/> the sleeper has none of the data (a new VM); otherwise it starts from the
    /// initial image and fetches only what differs. Each of the 4 clients issues <paramref name="operationsPerClient"/>
    /// requests (a closed loop, 2 ms think time), so a large count keeps the load, and new checkpoints, coming
    /// throughout the transfer. With <paramref name="silentLiar"/> the lying e0 stops answering anything 10 ms after it
    /// starts lying (crashed for good), as a retired replica frozen by its agent does on real processes: the woken
    /// replica then fetches from e1 alone while its requests to e0 go unanswered. <paramref name="observe"/> is given
    /// the simulator and every protocol event, for tests that look inside it.
    /// </summary>
    public static StateTransferResult StateTransfer(
        long seed, int objects, int objectBytes, long bandwidthBytesPerSecond, bool emptyImage, int operationsPerClient = 300,
        Action<Simulator, ProtocolEvent>? observe = null, bool silentLiar = false)
    {
        var options = LanOptions(1, ExecutionMode.Zz) with { ReplyCacheObjects = 16, FetchItemsPerRequest = 256, FetchRequestsInFlight = 4 };
        var scenario = new SimulationScenario
        {
            Seed = seed,
            Options = options,
            Faults = FaultKinds.WrongReplies,
            Clients = 4,
            OperationsPerClient = operationsPerClient,
            Keys = 1_000,
            Buckets = objects,
            PreloadBytesPerObject = objectBytes,
            LatencyMicros = 100,
            JitterMicros = 20,
            BandwidthBytesPerSecond = bandwidthBytesPerSecond,
            HealAtMicros = 0,
            ByzantineExecution = [0],
            ByzantineFromMicros = 300_000,
            WrongReplyProbability = 1.0,
            EmptyImageExecutors = emptyImage ? [2] : [],
            ThinkMicros = 2_000,
            SettleMicros = 15_000_000,
        };
        if (silentLiar)
        {
            scenario = scenario with { ScheduledCrashes = [(NodeId.Execution(0), scenario.ByzantineFromMicros + 10_000, long.MaxValue / 4)] };
        }

        var simulator = new Simulator(scenario);
        long woken = -1, firstReply = -1, full = -1;
        var fetched = 0;
        var starts = 0;
        long bytes = 0;
        simulator.Observer = (now, e) =>
        {
            observe?.Invoke(simulator, e);
            switch (e)
            {
                case ProtocolEvent.ExecutorStateChanged { Replica.Index: 2, Kind: ControlKind.Wake } when woken < 0:
                    woken = now;
                    break;
                case ProtocolEvent.ReplySent { Replica.Index: 2 } when woken >= 0 && firstReply < 0:
                    firstReply = now;
                    break;
                case ProtocolEvent.SyncStarted { Replica.Index: 2 } when woken >= 0 && full < 0:
                    starts++;
                    break;
                case ProtocolEvent.SyncCompleted { Replica.Index: 2 } done when full < 0:
                    full = now;
                    fetched = done.ObjectsFetched;
                    bytes = done.BytesFetched;
                    break;
                default:
                    break;
            }
        };
        var result = simulator.Run();
        return new StateTransferResult(objects, objectBytes, bandwidthBytesPerSecond, woken, firstReply, full, fetched, bytes, result.Violations)
        {
            TargetMoves = Math.Max(0, starts - 1),
        };
    }

    public sealed record CatchUpResult(long Requests, long LagRequests, long RestartMicros, long CaughtUpMicros, long HeadSequence, int ObjectsFetched, long EndMicros, IReadOnlyList<string> Violations);

    /// <summary>
    /// Catch-up: in the 2f+1 mode one execution replica is down while the clients issue <paramref name="requests"/>
    /// requests; it then restarts and must reach the head of the log. Reports simulated time to catch up (the
    /// caller measures the simulation's CPU time).
    /// </summary>
    public static CatchUpResult CatchUp(long seed, int requests)
    {
        const int Clients = 20;
        var options = LanOptions(1, ExecutionMode.AllActive) with { MaxBatch = 64, MaxInFlight = 8, Window = 256, CheckpointInterval = 64 };
        var scenario = new SimulationScenario
        {
            Seed = seed,
            Options = options,
            Clients = Clients,
            OperationsPerClient = requests / Clients,
            Keys = 256,
            Buckets = 1_024,
            LatencyMicros = 100,
            JitterMicros = 20,
            HealAtMicros = 0,
            ThinkMicros = 0,
            SettleMicros = 100_000,
            DeadlineMicros = 3_600_000_000,
        };
        long restartAt = -1, caughtUp = -1, head = 0, lagged = 0;
        var fetched = 0;
        var simulator = new Simulator(scenario with { ScheduledCrashes = [(NodeId.Execution(2), 1_000, long.MaxValue / 4)] });
        var delivered = 0;
        simulator.Observer = (now, e) =>
        {
            switch (e)
            {
                case ProtocolEvent.Delivered:
                    delivered++;
                    if (delivered == requests - (2 * Clients) && restartAt < 0)
                    {
                        restartAt = now;
                        lagged = delivered;
                        simulator.RestartNow(NodeId.Execution(2));
                    }

                    break;
                case ProtocolEvent.Executed x when x.Replica.Index != 2:
                    head = Math.Max(head, x.Sequence);
                    break;
                case ProtocolEvent.Executed x when x.Replica.Index == 2 && restartAt >= 0 && caughtUp < 0 && x.Sequence >= head:
                    caughtUp = now;
                    break;
                case ProtocolEvent.SyncCompleted { Replica.Index: 2 } done:
                    fetched += done.ObjectsFetched;
                    break;
                default:
                    break;
            }
        };
        var result = simulator.Run();
        return new CatchUpResult(requests, lagged, restartAt, caughtUp, head, fetched, result.EndMicros, result.Violations);
    }
}
