using System.Text;

namespace Roost.Bft.Simulation;

/// <summary>
/// Everything a simulated run depends on, derived from its seed: the deployment, the workload, the network and
/// the faults. Equal scenarios give byte-identical runs. Times are simulated microseconds.
/// </summary>
public sealed record SimulationScenario
{
    public long Seed { get; init; }

    public BftOptions Options { get; init; } = new();

    public FaultKinds Faults { get; init; }

    public int Clients { get; init; } = 2;

    public int OperationsPerClient { get; init; } = 10;

    public int Keys { get; init; } = 6;

    public int Buckets { get; init; } = 16;

    /// <summary>Bytes of preloaded state per object (0: the store starts empty).</summary>
    public int PreloadBytesPerObject { get; init; }

    public long LatencyMicros { get; init; } = 500;

    public long JitterMicros { get; init; } = 200;

    /// <summary>Per-link bandwidth; 0 means messages take no transmission time.</summary>
    public long BandwidthBytesPerSecond { get; init; }

    public double DropRate { get; init; }

    public double DuplicateRate { get; init; }

    public long ReorderMicros { get; init; }

    /// <summary>End of the fault phase: from here the network is reliable and timely, crashed nodes are back.</summary>
    public long HealAtMicros { get; init; } = 2_000_000;

    /// <summary>Every request must be answered by this time (liveness after stabilisation).</summary>
    public long DeadlineMicros { get; init; } = 120_000_000;

    /// <summary>Simulated time after the last reply during which audits and repairs run before the final checks.</summary>
    public long SettleMicros { get; init; } = 500_000;

    /// <summary>Encode and decode every message with the wire codec (exercises it on live traffic).</summary>
    public bool WireEncoding { get; init; }

    public IReadOnlyList<int> ByzantineAgreement { get; init; } = [];

    public IReadOnlyList<int> ByzantineExecution { get; init; } = [];

    public IReadOnlyList<int> CorruptedExecution { get; init; } = [];

    /// <summary>Byzantine nodes behave correctly until this time (experiments switch a fault on mid-run).</summary>
    public long ByzantineFromMicros { get; init; }

    /// <summary>Probability a Byzantine execution replica falsifies a reply and its reply digest; null: the defaults (0.6, 0.3).</summary>
    public double? WrongReplyProbability { get; init; }

    /// <summary>Execution replicas that start from an empty image (no state at all) instead of the initial state.</summary>
    public IReadOnlyList<int> EmptyImageExecutors { get; init; } = [];

    /// <summary>Explicit crash intervals (node, from, to) in simulated µs, besides the random ones.</summary>
    public IReadOnlyList<(NodeId Node, long From, long To)> ScheduledCrashes { get; init; } = [];

    /// <summary>Think time between a client's reply and its next request (µs, uniform from 0).</summary>
    public long ThinkMicros { get; init; } = 1_000;

    /// <summary>A random scenario for <paramref name="seed"/>: f, mode, workload, network and a subset of <paramref name="allowed"/>.</summary>
    public static SimulationScenario Generate(long seed, int f, FaultKinds allowed, ExecutionMode? mode = null)
    {
        var random = new SimRandom(seed);
        var faults = FaultKinds.None;
        foreach (var kind in Enum.GetValues<FaultKinds>())
        {
            if (kind is not (FaultKinds.None or FaultKinds.All) && (allowed & kind) != 0 && random.Chance(0.5))
            {
                faults |= kind;
            }
        }

        var options = new BftOptions
        {
            F = f,
            Mode = mode ?? (random.Chance(0.8) ? ExecutionMode.Zz : ExecutionMode.AllActive),
            CheckpointInterval = 4,
            Window = 16,
            MaxBatch = 1 + random.Next(6),
            MaxInFlight = 1 + random.Next(4),
            ReplyCacheObjects = 4,
            ViewChangeTimeout = TimeSpan.FromMilliseconds(60),
            RetransmitInterval = TimeSpan.FromMilliseconds(15),
            ExecutionWatchInterval = TimeSpan.FromMilliseconds(20),
            RecoveryGraceTicks = 10,
            ClientRetransmit = TimeSpan.FromMilliseconds(80),
            ResumeDelay = TimeSpan.FromMilliseconds(2),
            AuditInterval = TimeSpan.FromMilliseconds(40),
            AuditObjectsPerTick = 8,
            FetchItemsPerRequest = 16,
            FetchRequestsInFlight = 2,
            SyncEntriesPerReply = 8,
        };

        var executionFaults = (faults & (FaultKinds.WrongReplies | FaultKinds.WrongDigests)) != 0 ? 1 + random.Next(f) : 0;
        var corrupted = (faults & FaultKinds.SilentCorruption) != 0 && executionFaults < f ? 1 + random.Next(f - executionFaults) : 0;
        var agreementFaults = (faults & (FaultKinds.EquivocatingPrimary | FaultKinds.WrongDigests | FaultKinds.Replay)) != 0 ? 1 + random.Next(f) : 0;
        var executors = Shuffle(random, options.ExecutionReplicas);
        var replicas = Shuffle(random, options.AgreementReplicas);
        if ((faults & FaultKinds.EquivocatingPrimary) != 0 && random.Chance(0.7))
        {
            // Make the first primary (replica 0) one of the Byzantine ones most of the time.
            replicas.Remove(0);
            replicas.Insert(0, 0);
        }

        return new SimulationScenario
        {
            Seed = seed,
            Options = options,
            Faults = faults,
            Clients = 1 + random.Next(3),
            OperationsPerClient = 4 + random.Next(10),
            Keys = 2 + random.Next(6),
            Buckets = 8 + random.Next(16),
            LatencyMicros = 200 + random.Next(800),
            JitterMicros = random.Next(500),
            DropRate = (faults & FaultKinds.Drop) != 0 ? 0.01 + random.NextDouble() * 0.1 : 0,
            DuplicateRate = (faults & FaultKinds.Duplicate) != 0 ? 0.01 + random.NextDouble() * 0.1 : 0,
            ReorderMicros = (faults & FaultKinds.Reorder) != 0 ? 1_000 + random.Next(20_000) : 0,
            HealAtMicros = 200_000 + random.Next(800_000),
            WireEncoding = random.Chance(0.25),
            ByzantineAgreement = replicas.Take(agreementFaults).Order().ToList(),
            ByzantineExecution = executors.Take(executionFaults).Order().ToList(),
            CorruptedExecution = executors.Skip(executionFaults).Take(corrupted).Order().ToList(),
        };
    }

    public string Describe()
    {
        var text = new StringBuilder();
        text.Append($"seed {Seed}: f={Options.F} {Options.Mode} faults=[{Faults}] clients={Clients}x{OperationsPerClient} keys={Keys}");
        text.Append($" batch={Options.MaxBatch} inflight={Options.MaxInFlight} heal={HealAtMicros / 1000}ms wire={WireEncoding}");
        text.Append($" byzantine a=[{string.Join(',', ByzantineAgreement)}] e=[{string.Join(',', ByzantineExecution)}] corrupted e=[{string.Join(',', CorruptedExecution)}]");
        return text.ToString();
    }

    private static List<int> Shuffle(SimRandom random, int count)
    {
        var list = Enumerable.Range(0, count).ToList();
        for (var i = list.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }

        return list;
    }
}
