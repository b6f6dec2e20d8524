namespace Roost.Bft.Simulation;

/// <summary>The fault schedule of a run, drawn from its seed, all within the fault phase.</summary>
public sealed partial class Simulator
{
    private readonly List<(int Replica, long At)> _corruptions = [];

    private void ScheduleFaults()
    {
        var heal = _scenario.HealAtMicros;
        var replicas = _clientBase;
        if ((_scenario.Faults & FaultKinds.Partition) != 0)
        {
            for (var p = 0; p < 1 + _faults.Next(2); p++)
            {
                var start = _faults.NextLong(heal);
                var end = Math.Min(heal, start + 50_000 + _faults.NextLong(heal / 2));
                var groups = Enumerable.Range(0, replicas).Select(_ => _faults.Next(2)).ToArray();
                At(start, () =>
                {
                    for (var i = 0; i < replicas; i++)
                    {
                        _nodes[i].Group = groups[i];
                    }

                    _partitioned = true;
                });
                At(end, () => _partitioned = false);
            }
        }

        if ((_scenario.Faults & FaultKinds.CrashRestart) != 0)
        {
            for (var c = 0; c < 1 + _faults.Next(3); c++)
            {
                var victim = _faults.Next(replicas);
                if (_nodes[victim].Byzantine is not null)
                {
                    continue;
                }

                var start = _faults.NextLong(heal);
                var end = Math.Min(heal, start + 20_000 + _faults.NextLong(heal / 3));
                At(start, () => Crash(victim));
                At(end, () => Restart(victim));
            }
        }

        foreach (var (node, from, to) in _scenario.ScheduledCrashes)
        {
            var index = IndexOf(node);
            At(from, () => Crash(index));
            At(to, () => Restart(index));
        }

        foreach (var executor in _scenario.CorruptedExecution)
        {
            for (var c = 0; c < 1 + _faults.Next(3); c++)
            {
                var at = _faults.NextLong(heal);
                var replica = executor;
                At(at, () => Corrupt(replica));
            }
        }

        if ((_scenario.Faults & FaultKinds.Replay) != 0)
        {
            for (var t = 5_000L; t < heal; t += 2_000 + _faults.NextLong(20_000))
            {
                At(t, ReplayOne);
            }
        }

        At(heal, () =>
        {
            _partitioned = false;
            for (var i = 0; i < _nodes.Length; i++)
            {
                if (_nodes[i].Crashed && !_scenario.ScheduledCrashes.Any(c => IndexOf(c.Node) == i && c.To > _now))
                {
                    Restart(i);
                }
            }
        });
    }

    /// <summary>Restarts a crashed node now (experiments that end a crash on an event rather than at a time).</summary>
    public void RestartNow(NodeId node) => Restart(IndexOf(node));

    private void At(long time, Action action) => Schedule(time, new SimulatedEvent(SimulatedEventKind.Fault, -1) { Action = action });

    private void Crash(int node)
    {
        _nodes[node].Crashed = true;
        Array.Clear(_nodes[node].Timers);
    }

    private void Restart(int node)
    {
        if (!_nodes[node].Crashed)
        {
            return;
        }

        _nodes[node].Crashed = false;
        Deliver(node, new Input.Start());
    }

    /// <summary>Silent corruption: one stored object's bytes change; the replica's digests do not.</summary>
    private void Corrupt(int executor)
    {
        if (_nodes[_executionBase + executor].Node is not Execution.ExecutionReplica replica)
        {
            return;
        }

        var index = _faults.Next(replica.ObjectCount);
        var garbage = new byte[1 + _faults.Next(24)];
        _faults.NextBytes(garbage);
        replica.CorruptForTesting(index, garbage);
        _corruptions.Add((executor, _now));
    }
}
