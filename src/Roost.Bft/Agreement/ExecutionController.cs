using Roost.Bft.Messages;

namespace Roost.Bft.Agreement;

/// <summary>
/// ZZ's execution controller, one per agreement replica (Wood et al., EuroSys 2011, §4). In ZZ mode f+1 execution
/// replicas are active and f asleep. The controller compares the active replicas' reply digests and checkpoints per
/// sequence number; a mismatch, replies missing two ticks after a commit, a client retransmitting an answered request
/// or a client's blame wakes every sleeper (a <see cref="Control"/> wake, which a sleeper obeys on f+1 matching ones).
/// Once a checkpoint after the wake-up is certified and the woken replicas have reported it (or a grace period has
/// passed), the replicas that disagreed with the f+1 majority are retired, and the rest beyond f+1 are put back to
/// sleep: the service returns to f+1 active. Beliefs about each executor's state and generation come from its own
/// messages; commands are idempotent per generation, so lost or replayed ones do no harm.
/// </summary>
internal sealed class ExecutionController
{
    private const int PendingTicks = 10;
    private readonly BftOptions _options;
    private readonly int _count;
    private readonly bool[] _awake;
    private readonly int[] _generation;
    private readonly bool[] _faulty;
    private readonly int[] _blames;
    private readonly int[] _joining;
    private readonly (ControlKind Kind, int Generation, int Ticks)?[] _pending;
    private readonly SortedDictionary<long, Digest[]> _reports = [];
    private readonly Dictionary<long, int> _ages = [];
    private readonly SortedDictionary<long, Digest[]> _checkpoints = [];
    private readonly SortedDictionary<long, Digest> _certified = [];
    private bool _recovering;
    private long _recoveryStart;
    private int _recoveryTicks;
    private long _highestCommitted;
    private long _ticks;
    private long _probedAt = -1;

    public ExecutionController(BftOptions options)
    {
        _options = options;
        _count = options.ExecutionReplicas;
        _awake = new bool[_count];
        _generation = new int[_count];
        _faulty = new bool[_count];
        _blames = new int[_count];
        _joining = new int[_count];
        _pending = new (ControlKind, int, int)?[_count];
        for (var e = 0; e < _count; e++)
        {
            _awake[e] = e < options.ActiveExecutionReplicas;
        }
    }

    private bool Zz => _options.Mode == ExecutionMode.Zz;

    /// <summary>The controller's beliefs, one line (for replays with --trace).</summary>
    public string Describe() => string.Join(" ", Enumerable.Range(0, _count).Select(e =>
        $"e{e}:{(_awake[e] ? "awake" : "asleep")}/g{_generation[e]}{(_pending[e] is { } p ? $"/pending {p.Kind} g{p.Generation} t{p.Ticks}" : "")}{(_faulty[e] ? "/faulty" : "")}"))
        + $" recovering={_recovering}";

    public IReadOnlyList<int> Awake()
    {
        var awake = new List<int>(_count);
        for (var e = 0; e < _count; e++)
        {
            if (BelievedAwake(e))
            {
                awake.Add(e);
            }
        }

        return awake;
    }

    private bool BelievedAwake(int e) => _pending[e] is { Kind: var kind } ? kind == ControlKind.Wake : _awake[e];

    public void OnCommitted(long sequence)
    {
        _highestCommitted = Math.Max(_highestCommitted, sequence);
        if (!_reports.ContainsKey(sequence))
        {
            _reports[sequence] = new Digest[_count];
        }

        _ages.TryAdd(sequence, 0);
    }

    public void OnReport(int e, long sequence, Digest replies, int generation, List<Output> output, NodeId self)
    {
        Observe(e, generation, awake: true);
        if (!_reports.TryGetValue(sequence, out var digests))
        {
            if (sequence <= _highestCommitted - 4L * _options.Window || sequence > _highestCommitted + 4L * _options.Window)
            {
                return;
            }

            digests = new Digest[_count];
            _reports[sequence] = digests;
        }

        digests[e] = replies;
        Evaluate(digests, output, self, "replies differ at " + sequence);
    }

    public void OnExecCheckpoint(int e, long sequence, Digest state, int generation, List<Output> output, NodeId self)
    {
        Observe(e, generation, awake: true);
        if (sequence <= _highestCommitted - 4L * _options.Window || sequence > _highestCommitted + 4L * _options.Window)
        {
            return;
        }

        if (!_checkpoints.TryGetValue(sequence, out var digests))
        {
            digests = new Digest[_count];
            _checkpoints[sequence] = digests;
        }

        digests[e] = state;
        Evaluate(digests, output, self, "checkpoints differ at " + sequence);
        if (_certified.TryGetValue(sequence, out var certified))
        {
            Resolve(sequence, certified, output);
        }
    }

    public void OnStatus(int e, int generation, bool awake) => Observe(e, generation, awake);

    /// <summary>A client retransmitted a request that was already ordered.</summary>
    public void OnComplaint(List<Output> output, NodeId self) => WakeAll(output, self, "client retransmitted an answered request");

    /// <summary>A committed request names executors whose reply disagreed with the f+1 its client accepted.</summary>
    public void OnBlame(ulong mask, List<Output> output, NodeId self)
    {
        var any = false;
        for (var e = 0; e < _count; e++)
        {
            if ((mask & (1UL << e)) != 0 && BelievedAwake(e))
            {
                _blames[e]++;
                _faulty[e] = true;
                any = true;
            }
        }

        if (any)
        {
            WakeAll(output, self, "a client blamed an executor");
        }
    }

    public void OnTick(List<Output> output, NodeId self)
    {
        _ticks++;
        foreach (var sequence in _ages.Keys.ToList())
        {
            var age = ++_ages[sequence];
            if (age < 2 || !_reports.TryGetValue(sequence, out var digests))
            {
                continue;
            }

            var missing = false;
            for (var e = 0; e < _count; e++)
            {
                if (BelievedAwake(e) && _joining[e] == 0 && digests[e].IsNone)
                {
                    missing = true;
                }
            }

            if (missing)
            {
                WakeAll(output, self, "replies missing at " + sequence);
            }
            else
            {
                _ages.Remove(sequence);
            }
        }

        for (var e = 0; e < _count; e++)
        {
            if (_joining[e] > 0)
            {
                _joining[e]--;
            }

            if (_pending[e] is { } pending)
            {
                if (pending.Ticks >= PendingTicks)
                {
                    _pending[e] = null;
                }
                else
                {
                    _pending[e] = pending with { Ticks = pending.Ticks + 1 };
                    if (pending.Kind == ControlKind.Wake)
                    {
                        // Retransmit: a wake-up must not be lost.
                        output.Add(new Output.Send(NodeId.Execution(e), new Control(ControlKind.Wake, pending.Generation)));
                    }
                }
            }
        }

        if (_recovering)
        {
            _recoveryTicks++;
            if (_recoveryTicks >= _options.RecoveryGraceTicks && _certified.Count > 0)
            {
                var latest = _certified.Last();
                Resolve(latest.Key, latest.Value, output);
            }
        }
    }

    public void OnCertified(long sequence, Digest state, List<Output> output, NodeId self)
    {
        _certified[sequence] = state;
        Resolve(sequence, state, output);
    }

    /// <summary>
    /// After a wake-up: once a checkpoint after it is certified and every awake replica reported it (or the grace
    /// period is over), retire the replicas that disagreed and put the others beyond f+1 back to sleep.
    /// Outside a recovery: if more than f+1 are awake and agree, put the extra ones to sleep.
    /// </summary>
    private void Resolve(long sequence, Digest state, List<Output> output)
    {
        if (!Zz || !_checkpoints.TryGetValue(sequence, out var digests))
        {
            return;
        }

        var awake = Awake();
        if (_recovering)
        {
            if (sequence <= _recoveryStart)
            {
                return;
            }

            var reported = awake.Count(e => !digests[e].IsNone);
            if (reported < awake.Count && _recoveryTicks < _options.RecoveryGraceTicks)
            {
                return;
            }
        }
        else if (awake.Count <= _options.ActiveExecutionReplicas)
        {
            return;
        }

        var matching = awake.Where(e => digests[e] == state && !_faulty[e]).OrderBy(e => _blames[e]).ThenBy(e => e).ToList();
        if (matching.Count < _options.ActiveExecutionReplicas)
        {
            return;
        }

        var keep = matching.Take(_options.ActiveExecutionReplicas).ToHashSet();
        foreach (var e in awake)
        {
            if (keep.Contains(e))
            {
                continue;
            }

            var faulty = _faulty[e] || (!digests[e].IsNone && digests[e] != state);
            Command(e, faulty ? ControlKind.Retire : ControlKind.Sleep, output);
        }

        _recovering = false;
        Array.Clear(_faulty);
        Array.Clear(_blames);
    }

    /// <summary>Drops what lies at or below the stable checkpoint.</summary>
    public void Collect(long stable)
    {
        foreach (var s in _reports.Keys.Where(s => s <= stable).ToList())
        {
            _reports.Remove(s);
            _ages.Remove(s);
        }

        foreach (var s in _checkpoints.Keys.Where(s => s < stable).ToList())
        {
            _checkpoints.Remove(s);
        }

        foreach (var s in _certified.Keys.Where(s => s < stable).ToList())
        {
            _certified.Remove(s);
        }

        _highestCommitted = Math.Max(_highestCommitted, stable);
    }

    private void Evaluate(Digest[] digests, List<Output> output, NodeId self, string reason)
    {
        Digest? first = null;
        var differ = false;
        for (var e = 0; e < _count; e++)
        {
            if (digests[e].IsNone)
            {
                continue;
            }

            if (first is { } f && f != digests[e])
            {
                differ = true;
            }

            first ??= digests[e];
        }

        if (!differ)
        {
            return;
        }

        // f+1 matching digests are right (one of them is correct); the replicas that differ are faulty.
        foreach (var group in digests.Where(d => !d.IsNone).GroupBy(d => d))
        {
            if (group.Count() >= _options.WeakQuorum)
            {
                for (var e = 0; e < _count; e++)
                {
                    if (!digests[e].IsNone && digests[e] != group.Key)
                    {
                        _faulty[e] = true;
                    }
                }
            }
        }

        WakeAll(output, self, reason);
    }

    private void WakeAll(List<Output> output, NodeId self, string reason)
    {
        if (!Zz)
        {
            return;
        }

        if (!_recovering)
        {
            _recovering = true;
            _recoveryStart = _highestCommitted;
            _recoveryTicks = 0;
        }

        var woke = false;
        for (var e = 0; e < _count; e++)
        {
            if (!BelievedAwake(e))
            {
                Command(e, ControlKind.Wake, output);
                _joining[e] = _options.RecoveryGraceTicks;
                woke = true;
            }
        }

        // The beliefs may be stale (a command applied without this replica seeing it confirmed, or a status lost):
        // once per tick, while something is wrong, every executor is asked for its status.
        if (_probedAt != _ticks)
        {
            _probedAt = _ticks;
            for (var e = 0; e < _count; e++)
            {
                output.Add(new Output.Send(NodeId.Execution(e), new Control(ControlKind.Probe, _generation[e])));
            }
        }

        if (woke)
        {
            output.Add(new Output.Notice(new ProtocolEvent.WakeRequested(self, reason)));
        }
    }

    private void Command(int e, ControlKind kind, List<Output> output)
    {
        _pending[e] = (kind, _generation[e], 0);
        output.Add(new Output.Send(NodeId.Execution(e), new Control(kind, _generation[e])));
    }

    private void Observe(int e, int generation, bool awake)
    {
        if (generation < _generation[e])
        {
            return;
        }

        if (generation > _generation[e] || _pending[e] is null)
        {
            _generation[e] = generation;
            _awake[e] = awake;
            if (_pending[e] is { } pending && generation > pending.Generation)
            {
                _pending[e] = null;
            }
        }

        if (awake && _pending[e] is null)
        {
            _awake[e] = true;
        }
    }
}
