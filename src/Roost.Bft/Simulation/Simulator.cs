using Roost.Bft.Agreement;
using Roost.Bft.Clients;
using Roost.Bft.Crypto;
using Roost.Bft.Execution;
using Roost.Bft.Messages;
using Roost.Bft.Services;

namespace Roost.Bft.Simulation;

/// <summary>
/// Deterministic simulation of a whole deployment (FoundationDB / TigerBeetle style): 3f+1 agreement replicas, 2f+1
/// execution replicas and the clients, driven through their <see cref="IProtocolNode.Handle"/> on one simulated clock,
/// over a seeded network that delays, drops, duplicates, reorders, partitions and replays, with crashes, Byzantine
/// replicas and silent corruption. After the fault phase the network heals; every request must then be answered.
/// Invariants are checked as the run goes and at its end; a seed replays exactly. Single-threaded, no clock, no I/O.
/// </summary>
public sealed partial class Simulator
{
    private readonly SimulationScenario _scenario;
    private readonly BftOptions _options;
    private readonly SimRandom _network;
    private readonly SimRandom _faults;
    private readonly PriorityQueue<SimulatedEvent, (long, long)> _queue = new();
    private readonly SimulatedNode[] _nodes;
    private readonly int _executionBase;
    private readonly int _clientBase;
    private readonly KeyValueService _service;
    private readonly StateGenesis _genesis;
    private readonly List<string> _violations = [];
    private long _now;
    private long _order;
    private long _events;
    private long _messages;

    public Simulator(SimulationScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        _scenario = scenario;
        _options = scenario.Options.Validated();
        var random = new SimRandom(scenario.Seed ^ 0x5DEECE66DL);
        _network = random.Fork();
        _faults = random.Fork();
        var workload = random.Fork();
        var keyring = Keyring.ForSeed(scenario.Seed);
        _service = new KeyValueService(scenario.Buckets, scenario.PreloadBytesPerObject);
        _genesis = StateGenesis.For(_service, _options);
        var nodes = new List<SimulatedNode>();
        for (var i = 0; i < _options.AgreementReplicas; i++)
        {
            var id = NodeId.Agreement(i);
            var signatures = new SimulatedSignatures(keyring, id);
            var byzantine = scenario.ByzantineAgreement.Contains(i)
                ? new ByzantineBehaviour(id, scenario.Faults & (FaultKinds.EquivocatingPrimary | FaultKinds.WrongDigests | FaultKinds.Replay), random.Fork(), signatures, _options, scenario.ByzantineFromMicros)
                : null;
            nodes.Add(new SimulatedNode(new AgreementReplica(i, _options, keyring, signatures), byzantine));
        }

        _executionBase = nodes.Count;
        StateGenesis? emptyImage = null;
        for (var i = 0; i < _options.ExecutionReplicas; i++)
        {
            var id = NodeId.Execution(i);
            var byzantine = scenario.ByzantineExecution.Contains(i)
                ? new ByzantineBehaviour(id, scenario.Faults & (FaultKinds.WrongReplies | FaultKinds.WrongDigests | FaultKinds.Replay), random.Fork(), new SimulatedSignatures(keyring, id), _options, scenario.ByzantineFromMicros, scenario.WrongReplyProbability)
                : null;
            var image = scenario.EmptyImageExecutors.Contains(i) ? emptyImage ??= StateGenesis.Empty(_genesis.ObjectCount) : _genesis;
            nodes.Add(new SimulatedNode(new ExecutionReplica(i, _options, _service, image), byzantine));
        }

        _clientBase = nodes.Count;
        for (var i = 0; i < scenario.Clients; i++)
        {
            nodes.Add(new SimulatedNode(new Client(i, _options, keyring), null));
            _workloads.Add(GenerateWorkload(workload.Fork(), scenario));
            _histories.Add([]);
        }

        _nodes = [.. nodes];
    }

    /// <summary>Called with every notice a node emits and the simulated time (µs); for experiments' measurements.</summary>
    public Action<long, ProtocolEvent>? Observer { get; set; }

    /// <summary>Simulated time now, in µs.</summary>
    public long Now => _now;

    /// <summary>The execution replica with this index (for experiments' probes).</summary>
    public ExecutionReplica ExecutionReplicaAt(int index) => (ExecutionReplica)_nodes[_executionBase + index].Node;

    /// <summary>Time (µs) the first falsified client reply was sent, or -1.</summary>
    public long FirstBadReplyAt => _nodes.Select(n => n.Byzantine?.FirstBadReplyAt ?? -1).Where(t => t >= 0).DefaultIfEmpty(-1).Min();

    /// <summary>Every node's state, one line each (for replays with --trace).</summary>
    public IEnumerable<string> DescribeNodes()
    {
        foreach (var node in _nodes)
        {
            var state = node.Node switch
            {
                AgreementReplica a => a.DescribeState(),
                ExecutionReplica e => e.DescribeState(),
                _ => null,
            };
            if (state is not null)
            {
                yield return $"{node.Node.Id}{(node.Crashed ? " (crashed)" : "")}{(node.Byzantine is not null ? " (byzantine)" : "")}: {state}";
            }
        }
    }

    /// <summary>Runs the scenario to its end and checks every invariant.</summary>
    public SimulationResult Run()
    {
        for (var i = 0; i < _nodes.Length; i++)
        {
            Deliver(i, new Input.Start());
        }

        ScheduleFaults();
        for (var c = 0; c < _scenario.Clients; c++)
        {
            Schedule(_network.Next(1_000), new SimulatedEvent(SimulatedEventKind.Submit, _clientBase + c));
        }

        long allDoneAt = -1;
        const long MaxEvents = 20_000_000;
        while (_queue.TryDequeue(out var e, out var at))
        {
            _now = at.Item1;
            if (_now > _scenario.DeadlineMicros || _events > MaxEvents)
            {
                break;
            }

            _events++;
            Process(e);
            if (allDoneAt < 0 && _completedClients == _scenario.Clients)
            {
                allDoneAt = _now;
            }

            if (allDoneAt >= 0 && _now >= Math.Max(allDoneAt, _scenario.HealAtMicros) + _scenario.SettleMicros)
            {
                break;
            }
        }

        if (_completedClients < _scenario.Clients)
        {
            foreach (var history in _histories)
            {
                var pending = history.Find(o => o.Result is null);
                if (pending is not null)
                {
                    _violations.Add($"liveness: c{pending.Client}#{pending.Timestamp} issued at {pending.InvokedAt} µs is unanswered at {_now} µs (network healed at {_scenario.HealAtMicros} µs)");
                    break;
                }
            }

            if (_violations.Count == 0)
            {
                _violations.Add($"liveness: clients did not finish by {_now} µs");
            }
        }

        CheckAtEnd();
        return new SimulationResult(_scenario, _violations, _now, _events, _messages, _views.Count, _wakes, _syncs, _corruptionsDetected, _repaired, _retired);
    }

    private void Process(SimulatedEvent e)
    {
        switch (e.Kind)
        {
            case SimulatedEventKind.Deliver:
                var message = e.Message ?? throw new InvalidOperationException("a delivery without a message");
                if (_scenario.WireEncoding)
                {
                    message = MessageCodec.Decode(MessageCodec.Encode(message));
                }

                Deliver(e.Target, new Input.Receive(e.From, message));
                break;
            case SimulatedEventKind.Timer:
                var node = _nodes[e.Target];
                if (!node.Crashed && node.Timers[(int)e.Timer] == e.Token)
                {
                    node.Timers[(int)e.Timer] = 0;
                    Deliver(e.Target, new Input.TimerExpired(e.Timer));
                }

                break;
            case SimulatedEventKind.Submit:
                Submit(e.Target);
                break;
            case SimulatedEventKind.Fault:
                e.Action?.Invoke();
                break;
            default:
                break;
        }
    }

    private void Deliver(int target, Input input)
    {
        var node = _nodes[target];
        if (node.Crashed)
        {
            return;
        }

        var outputs = node.Node.Handle(input);
        if (node.Byzantine is { } byzantine)
        {
            outputs = byzantine.Rewrite(outputs, _now);
        }

        foreach (var output in outputs)
        {
            switch (output)
            {
                case Output.Send send:
                    Transmit(target, node.Node.Id, send.To, send.Message);
                    break;
                case Output.SetTimer timer:
                    var token = ++_order;
                    node.Timers[(int)timer.Kind] = token;
                    Schedule(_now + Math.Max(1, (long)(timer.After.Ticks / 10)), new SimulatedEvent(SimulatedEventKind.Timer, target) { Timer = timer.Kind, Token = token });
                    break;
                case Output.CancelTimer cancel:
                    node.Timers[(int)cancel.Kind] = 0;
                    break;
                case Output.Notice notice:
                    Observe(target, notice.Event);
                    Observer?.Invoke(_now, notice.Event);
                    break;
                default:
                    break;
            }
        }
    }

    private int IndexOf(NodeId id) => id.Role switch
    {
        NodeRole.Agreement => id.Index < _options.AgreementReplicas ? id.Index : -1,
        NodeRole.Execution => id.Index < _options.ExecutionReplicas ? _executionBase + id.Index : -1,
        _ => id.Index < _scenario.Clients ? _clientBase + id.Index : -1,
    };

    private void Schedule(long at, SimulatedEvent e) => _queue.Enqueue(e, (at, ++_order));
}
