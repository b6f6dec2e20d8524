using Roost.Bft.Messages;

namespace Roost.Bft.Agreement;

/// <summary>
/// Checkpoints and garbage collection. An agreement replica certifies an execution checkpoint when f+1 execution
/// replicas report the same state digest at a sequence number (one of them is correct), then votes for it with a
/// <see cref="Checkpoint"/>. 2f+1 matching votes make it stable: the low watermark moves and the log below is dropped
/// (PBFT §4.3). A replica far behind (beyond its high watermark) adopts a checkpoint on f+1 matching votes, the same
/// weak certificate PBFT's state transfer uses, so it catches up however far it lags.
/// </summary>
public sealed partial class AgreementReplica
{
    private readonly SortedDictionary<long, Digest> _certified = [];
    private readonly Dictionary<long, Dictionary<int, Digest>> _checkpointVotes = [];
    private readonly Dictionary<long, Dictionary<int, Digest>> _executorCheckpoints = [];
    private readonly Dictionary<int, CheckpointEntry> _farVotes = [];
    private long _stable;
    private Digest _stableDigest;
    private ulong _checkpointHelped;

    /// <summary>Latest certified execution checkpoint (sent to executors with every <see cref="Ordered"/>).</summary>
    private CheckpointEntry LatestCertified => _certified.Count == 0 ? new(_stable, _stableDigest) : new(_certified.Keys.Last(), _certified.Values.Last());

    private void OnExecCheckpoint(int executor, ExecCheckpoint m)
    {
        _controller.OnExecCheckpoint(executor, m.Sequence, m.State, m.Generation, _out, Id);
        if (m.Sequence <= _stable || m.Sequence > _stable + 4L * _options.Window || _certified.ContainsKey(m.Sequence))
        {
            return;
        }

        if (!_executorCheckpoints.TryGetValue(m.Sequence, out var votes))
        {
            votes = [];
            _executorCheckpoints[m.Sequence] = votes;
        }

        votes[executor] = m.State;
        if (votes.Values.Count(d => d == m.State) >= _f + 1)
        {
            Certify(m.Sequence, m.State);
        }
    }

    private void Certify(long sequence, Digest state)
    {
        if (_certified.ContainsKey(sequence) || sequence <= _stable)
        {
            return;
        }

        _certified[sequence] = state;
        _controller.OnCertified(sequence, state, _out, Id);
        RecordCheckpointVote(_index, sequence, state);
        BroadcastReplicas(new Checkpoint(sequence, state));
        CheckStable(sequence);
    }

    private void OnCheckpoint(int from, Checkpoint m)
    {
        if (m.Sequence <= _stable)
        {
            if (m.Sequence < _stable)
            {
                HelpBehindCheckpoint(from);
            }

            return;
        }

        if (m.Sequence > _stable + 4L * _options.Window)
        {
            _farVotes[from] = new CheckpointEntry(m.Sequence, m.State);
            var far = _farVotes.Values.GroupBy(v => v).Where(g => g.Count() >= _f + 1).Select(g => g.Key)
                .Where(v => v.Sequence > _stable).OrderByDescending(v => v.Sequence).FirstOrDefault();
            if (far.Sequence > _stable)
            {
                MakeStable(far.Sequence, far.State);
            }

            return;
        }

        RecordCheckpointVote(from, m.Sequence, m.State);
        CheckStable(m.Sequence);
    }

    private void RecordCheckpointVote(int replica, long sequence, Digest state)
    {
        if (!_checkpointVotes.TryGetValue(sequence, out var votes))
        {
            votes = [];
            _checkpointVotes[sequence] = votes;
        }

        votes[replica] = state;
    }

    private void CheckStable(long sequence)
    {
        if (sequence <= _stable || !_checkpointVotes.TryGetValue(sequence, out var votes))
        {
            return;
        }

        foreach (var group in votes.Values.GroupBy(d => d).OrderBy(g => g.Key.A))
        {
            var count = group.Count();
            if (count >= 2 * _f + 1)
            {
                MakeStable(sequence, group.Key);
                return;
            }

            // f+1 replicas vouch for it, so at least one correct one certified it: vote for it too. This lets a
            // replica that missed the executors' checkpoint messages still complete the 2f+1.
            if (count >= _f + 1 && !_certified.ContainsKey(sequence))
            {
                Certify(sequence, group.Key);
                return;
            }

            // A replica whose window is full and cannot certify on its own adopts an f+1-vouched checkpoint.
            if (count >= _f + 1 && sequence >= _stable + _options.Window)
            {
                MakeStable(sequence, group.Key);
                return;
            }
        }
    }

    private void MakeStable(long sequence, Digest state)
    {
        if (sequence <= _stable)
        {
            return;
        }

        var jumped = sequence > _committedUpTo;
        _stable = sequence;
        _stableDigest = state;
        _certified[sequence] = state;
        foreach (var s in _slots.Keys.Where(s => s <= sequence).ToList())
        {
            _slots.Remove(s);
        }

        foreach (var s in _checkpointVotes.Keys.Where(s => s <= sequence).ToList())
        {
            _checkpointVotes.Remove(s);
        }

        foreach (var s in _executorCheckpoints.Keys.Where(s => s <= sequence).ToList())
        {
            _executorCheckpoints.Remove(s);
        }

        foreach (var s in _certified.Keys.Where(s => s < sequence).ToList())
        {
            _certified.Remove(s);
        }

        foreach (var (replica, vote) in _farVotes.ToList())
        {
            if (vote.Sequence <= sequence)
            {
                _farVotes.Remove(replica);
            }
        }

        _committedUpTo = Math.Max(_committedUpTo, sequence);
        while (_slots.TryGetValue(_committedUpTo + 1, out var next) && next.IsCommitted)
        {
            _committedUpTo++;
        }

        _nextSequence = Math.Max(_nextSequence, sequence);
        _controller.Collect(sequence);
        if (jumped && !_inViewChange)
        {
            // We skipped slots we never saw commit: the requests we were waiting for may be among them.
            _waiting.Clear();
            StopRequestTimer();
        }

        Notice(new ProtocolEvent.Stable(Id, sequence, state));
        TryPropose();
    }

    /// <summary>A peer sends messages for slots below our stable checkpoint: it lags; send it our checkpoint vote.</summary>
    private void HelpBehindCheckpoint(int peer)
    {
        var bit = 1UL << peer;
        if ((_checkpointHelped & bit) != 0)
        {
            return;
        }

        _checkpointHelped |= bit;
        Send(NodeId.Agreement(peer), new Checkpoint(_stable, _stableDigest));
    }

    private void HelpBehind(int peer, long sequence)
    {
        if (sequence <= _stable && _stable > 0)
        {
            HelpBehindCheckpoint(peer);
        }
    }
}
