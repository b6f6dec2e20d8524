using Roost.Bft.Messages;

namespace Roost.Bft.Simulation;

/// <summary>The simulated network: latency and jitter, loss, duplication, reordering, partitions, replay, bandwidth.</summary>
public sealed partial class Simulator
{
    private readonly List<(int From, NodeId FromId, int To, Message Message)> _captured = [];
    private readonly Dictionary<(int, int), long> _linkBusyUntil = [];
    private bool _partitioned;

    private bool FaultPhase => _now < _scenario.HealAtMicros;

    private void Transmit(int from, NodeId fromId, NodeId toId, Message message)
    {
        var to = IndexOf(toId);
        if (to < 0 || to == from)
        {
            return;
        }

        _messages++;
        if (FaultPhase)
        {
            if (_partitioned && _nodes[from].Group != _nodes[to].Group)
            {
                return;
            }

            if (_network.Chance(_scenario.DropRate))
            {
                return;
            }

            if ((_scenario.Faults & FaultKinds.Replay) != 0)
            {
                Capture(from, fromId, to, message);
            }

            if (_network.Chance(_scenario.DuplicateRate))
            {
                Schedule(DeliveryTime(from, to, message), new SimulatedEvent(SimulatedEventKind.Deliver, to) { From = fromId, Message = message });
            }
        }

        Schedule(DeliveryTime(from, to, message), new SimulatedEvent(SimulatedEventKind.Deliver, to) { From = fromId, Message = message });
    }

    private long DeliveryTime(int from, int to, Message message)
    {
        var delay = _scenario.LatencyMicros + _network.NextLong(_scenario.JitterMicros + 1);
        if (FaultPhase && _scenario.ReorderMicros > 0 && _network.Chance(0.2))
        {
            delay += _network.NextLong(_scenario.ReorderMicros);
        }

        if (_scenario.BandwidthBytesPerSecond <= 0)
        {
            return _now + delay;
        }

        // A link sends one message at a time: it is busy for size / bandwidth.
        var transmission = MessageCodec.SizeOf(message) * 1_000_000L / _scenario.BandwidthBytesPerSecond;
        var start = Math.Max(_now, _linkBusyUntil.GetValueOrDefault((from, to)));
        _linkBusyUntil[(from, to)] = start + transmission;
        return start + transmission + delay;
    }

    private void Capture(int from, NodeId fromId, int to, Message message)
    {
        if (_captured.Count < 512)
        {
            _captured.Add((from, fromId, to, message));
        }
        else
        {
            _captured[_faults.Next(_captured.Count)] = (from, fromId, to, message);
        }
    }

    /// <summary>The network adversary re-delivers an old message on the link it was sent on.</summary>
    private void ReplayOne()
    {
        if (_captured.Count == 0 || !FaultPhase)
        {
            return;
        }

        var (_, fromId, to, message) = _captured[_faults.Next(_captured.Count)];
        Schedule(_now + _scenario.LatencyMicros, new SimulatedEvent(SimulatedEventKind.Deliver, to) { From = fromId, Message = message });
    }
}
