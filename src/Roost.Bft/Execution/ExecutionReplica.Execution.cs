using System.Buffers.Binary;
using System.Numerics;
using Roost.Bft.Messages;

namespace Roost.Bft.Execution;

/// <summary>
/// Executing the agreed order: a sequence number's batch is executed once f+1 agreement replicas vouch for its
/// digest (at least one is correct, and correct replicas never commit different digests at one sequence number),
/// its batch is at hand and, during a state transfer, every object it touches has been verified.
/// </summary>
public sealed partial class ExecutionReplica
{
    private readonly SortedDictionary<long, Dictionary<Digest, ulong>> _votes = [];
    private readonly Dictionary<long, Batch> _batches = [];
    private readonly Dictionary<int, List<CheckpointEntry>> _certifiedVotes = [];
    private readonly List<Snapshot> _snapshots = [];
    private const int MaxPendingResends = 1024;
    private readonly List<ResendReply> _pendingResends = [];
    private CheckpointEntry _certified;
    private long _executed;
    private long _view;
    private long _highestKnown;
    private long _stableSeen;
    private bool _catchingUp;
    private int _nextContentSource;
    private long _lastCheckpointSent;
    private long _contentAskedTick = -1;
    private long _contentAskedFor;

    private long VoteHorizon => _executed + 4L * _options.Window;

    private void OnOrdered(int replica, Ordered m)
    {
        _view = Math.Max(_view, m.View);
        OnCertifiedVote(replica, new CheckpointEntry(m.CertifiedSequence, m.CertifiedState));
        _highestKnown = Math.Max(_highestKnown, m.Sequence);
        Vote(replica, m.Sequence, m.Digest);
        if (m.Batch is { } batch && batch.Digest == m.Digest)
        {
            OnBatch(m.Sequence, batch);
        }

        TryExecute();
    }

    private void Vote(int replica, long sequence, Digest digest)
    {
        if (sequence <= _executed || sequence > VoteHorizon)
        {
            return;
        }

        if (!_votes.TryGetValue(sequence, out var votes))
        {
            votes = [];
            _votes[sequence] = votes;
        }

        if (votes.Count >= 4 && !votes.ContainsKey(digest))
        {
            return;
        }

        votes[digest] = votes.GetValueOrDefault(digest) | (1UL << replica);
    }

    private void OnBatch(long sequence, Batch batch)
    {
        if (sequence <= _executed || sequence > VoteHorizon)
        {
            return;
        }

        // Keep a batch only if some agreement replica vouched for its digest (bounds what a liar can make us hold).
        if (_votes.TryGetValue(sequence, out var votes) && votes.ContainsKey(batch.Digest))
        {
            _batches[sequence] = batch;
        }
    }

    /// <summary>The digest f+1 agreement replicas vouch for at <paramref name="sequence"/>, if any.</summary>
    private Digest? Agreed(long sequence)
    {
        if (!_votes.TryGetValue(sequence, out var votes))
        {
            return null;
        }

        foreach (var (digest, mask) in votes)
        {
            if (BitOperations.PopCount(mask) >= _f + 1)
            {
                return digest;
            }
        }

        return null;
    }

    private void TryExecute()
    {
        while (_awake)
        {
            var next = _executed + 1;
            if (Agreed(next) is not { } digest)
            {
                break;
            }

            var batch = digest == Batch.Empty.Digest ? Batch.Empty : _batches.GetValueOrDefault(next);
            if (batch is null || batch.Digest != digest)
            {
                // The order is known but not the batch: ask one agreement replica now, not at the next tick.
                if (_contentAskedTick != _tick || _contentAskedFor != next)
                {
                    _contentAskedTick = _tick;
                    _contentAskedFor = next;
                    Send(NodeId.Agreement(_nextContentSource++ % _options.AgreementReplicas), new SyncRequest(next, WithContent: true));
                }

                break;
            }

            if (!EnsureVerified(batch, next))
            {
                break;
            }

            ExecuteBatch(next, batch);
        }

        ProcessPendingResends();
        if (_sync is not null)
        {
            SendStateRequests();
        }
    }

    private void ExecuteBatch(long sequence, Batch batch)
    {
        // Reply digest: SHA-256 over (client, timestamp, SHA-256 of reply) for every reply sent, in batch order.
        var replies = new byte[44 * batch.Requests.Count];
        var length = 0;
        foreach (var request in batch.Requests)
        {
            var touched = _executor.Touched(request);
            var reply = _executor.Execute(_store, request, touched);
            if (reply is null)
            {
                continue;
            }

            BinaryPrimitives.WriteInt32LittleEndian(replies.AsSpan(length), request.Client);
            BinaryPrimitives.WriteInt64LittleEndian(replies.AsSpan(length + 4), request.Timestamp);
            Digest.Of(reply).Write(replies.AsSpan(length + 12));
            length += 44;
            Send(NodeId.Client(request.Client), new Reply(request.Client, request.Timestamp, _view, reply));
            Notice(new ProtocolEvent.ReplySent(Id, request.Client, request.Timestamp));
        }

        var digest = Digest.Of(replies.AsSpan(0, length));
        _executed = sequence;
        _votes.Remove(sequence);
        _batches.Remove(sequence);
        Notice(new ProtocolEvent.Executed(Id, sequence, batch));
        SendToAgreement(new ExecReport(sequence, digest, _generation));
        if (sequence % _options.CheckpointInterval == 0)
        {
            TakeCheckpoint(sequence);
        }
    }

    private void TakeCheckpoint(long sequence)
    {
        foreach (var k in _store.Dirty)
        {
            _tree.SetLeaf(k, MerkleTree.LeafHash(k, _store.Get(k)));
        }

        _store.ClearDirty();
        _tree.Recompute();
        var snapshot = new Snapshot(sequence, _store.Snapshot(), _tree.Clone());
        _snapshots.Add(snapshot);
        _sync?.Filling.Add(snapshot);
        CollectSnapshots();
        Notice(new ProtocolEvent.CheckpointTaken(Id, sequence, _tree.Root));
        SendToAgreement(new ExecCheckpoint(sequence, _tree.Root, _generation));
        _lastCheckpointSent = sequence;
        CheckDivergence();
    }

    /// <summary>Keeps the snapshots at or above the certified checkpoint, those peers fetch from, and at least one.</summary>
    private void CollectSnapshots()
    {
        var limit = _options.Window / _options.CheckpointInterval + 2;
        _snapshots.RemoveAll(s => s.Sequence < _certified.Sequence && s.LastRequested < _tick - 4 && s != _snapshots[^1]);
        while (_snapshots.Count > limit)
        {
            // Past the limit, those below the certified checkpoint go first (oldest first), even while peers fetch from
            // them (their transfers move to the certified one): dropping the certified one instead, because it was not
            // fetched from yet, left a peer transferring towards it with nobody to ask.
            var oldest = _snapshots.FindIndex(s => s.Sequence < _certified.Sequence);
            _snapshots.RemoveAt(oldest >= 0 && oldest < _snapshots.Count - 1 ? oldest : 0);
        }

        // A snapshot no longer kept is no longer filled by a transfer: without this a long transfer under load filled
        // (and held) every checkpoint taken since it began, each a copy of the object table and the whole tree.
        // (A few snapshots each: Window / CheckpointInterval + 2 at most. Snapshot compares by reference.)
        _sync?.Filling.RemoveAll(s => !_snapshots.Contains(s));
    }

    /// <summary>An agreement replica's latest certified checkpoint; the highest one f+1 of them hold is certified.</summary>
    private void OnCertifiedVote(int replica, CheckpointEntry entry)
    {
        if (entry.Sequence <= 0)
        {
            return;
        }

        if (!_certifiedVotes.TryGetValue(replica, out var list))
        {
            list = [];
            _certifiedVotes[replica] = list;
        }

        if (list.Contains(entry))
        {
            return;
        }

        list.Add(entry);
        if (list.Count > 8)
        {
            list.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
            list.RemoveAt(0);
        }

        if (entry.Sequence <= _certified.Sequence)
        {
            return;
        }

        var holders = _certifiedVotes.Values.Count(l => l.Contains(entry));
        if (holders < _f + 1)
        {
            return;
        }

        _certified = entry;
        CollectSnapshots();
        CheckDivergence();
        CheckLag();
    }

    /// <summary>Our checkpoint at the certified sequence number differs from the certified digest: our state is wrong.</summary>
    private void CheckDivergence()
    {
        if (_sync is not null || _certified.Sequence == 0)
        {
            return;
        }

        var own = _snapshots.Find(s => s.Sequence == _certified.Sequence);
        if (own is not null && own.Root != _certified.State)
        {
            Notice(new ProtocolEvent.DivergenceDetected(Id, _certified.Sequence));
            StartSync(_certified, "divergence", rehash: true);
        }
    }

    /// <summary>Behind the certified checkpoint by more than the log window (or the log is gone): transfer state.</summary>
    private void CheckLag()
    {
        if (_sync is { } sync)
        {
            // Move a transfer to the newer certified checkpoint now (keeping what it verified) when finishing it is
            // pointless: woken after a pause kept it, or the log above where it executes is gone (stable beyond it),
            // so completing it would only lead to another. Waiting for every peer to say its target is gone is not
            // enough: a peer transferring towards the same target holds a partial copy and answers for it (18240).
            if (_certified.Sequence > sync.Target.Sequence && (_catchingUp || _stableSeen > sync.Target.Sequence))
            {
                var reason = _catchingUp ? "woken during a transfer" : "log above the transfer's target gone";
                _catchingUp = false;
                MoveToCertified(reason);
            }

            return;
        }

        if (_certified.Sequence <= _executed)
        {
            return;
        }

        if (_catchingUp || _certified.Sequence - _executed > _options.Window || _stableSeen > _executed)
        {
            var reason = _catchingUp ? "woken" : "lagging";
            _catchingUp = false;
            StartSync(_certified, reason, rehash: false);
        }
    }

    private void OnSyncReply(int replica, SyncReply m)
    {
        foreach (var entry in m.Certified)
        {
            OnCertifiedVote(replica, entry);
        }

        _highestKnown = Math.Max(_highestKnown, m.LastCommitted);
        _stableSeen = Math.Max(_stableSeen, m.StableSequence);
        CheckLag();

        foreach (var entry in m.Entries)
        {
            Vote(replica, entry.Sequence, entry.Digest);
            if (entry.Batch is { } batch && batch.Digest == entry.Digest)
            {
                OnBatch(entry.Sequence, batch);
            }
        }

        TryExecute();
    }

    /// <summary>Periodic: ask for the order and batches we miss, resend our last checkpoint, drive a state transfer.</summary>
    private void FetchTick()
    {
        if (_sync is { } sync)
        {
            // Every peer either lacks the target or is silent: ask them all again (once a tick), since one that
            // lacked it may hold it now, and one that answers "unavailable" again lets the transfer move on.
            if (sync.Unavailable.Count > 0 && Enumerable.Range(0, _options.ExecutionReplicas).All(p => p == _index || sync.Unavailable.Contains(p) || sync.Silent.Contains(p)))
            {
                sync.Unavailable.Clear();
            }

            SendStateRequests();
        }

        var next = _executed + 1;
        var behind = _highestKnown > _executed || _votes.Keys.Any(s => s > next);
        if (_tick % 10 == 0 && !behind)
        {
            // Idle poll: learn the certified checkpoints even when no new order arrives (divergence, lag).
            SendToAgreement(new SyncRequest(next, WithContent: false));
        }
        else if (behind || _catchingUp)
        {
            if (Agreed(next) is { } digest && digest != Batch.Empty.Digest && !_batches.ContainsKey(next))
            {
                var source = _nextContentSource++ % _options.AgreementReplicas;
                Send(NodeId.Agreement(source), new SyncRequest(next, WithContent: true));
            }
            else if (Agreed(next) is null)
            {
                SendToAgreement(new SyncRequest(next, WithContent: false));
            }
        }

        if (_lastCheckpointSent > _certified.Sequence && _snapshots.Count > 0 && _snapshots[^1].Sequence == _lastCheckpointSent)
        {
            SendToAgreement(new ExecCheckpoint(_lastCheckpointSent, _snapshots[^1].Root, _generation));
        }
    }

    private void OnResendReply(ResendReply m)
    {
        KeepResend(m);
        ProcessPendingResends();
    }

    /// <summary>Holds the latest resend request per client, at most <see cref="MaxPendingResends"/> (the oldest goes first).</summary>
    private void KeepResend(ResendReply m)
    {
        _pendingResends.RemoveAll(r => r.Client == m.Client);
        if (_pendingResends.Count >= MaxPendingResends)
        {
            _pendingResends.RemoveAt(0);
        }

        _pendingResends.Add(m);
    }

    private void ProcessPendingResends()
    {
        for (var i = _pendingResends.Count - 1; i >= 0; i--)
        {
            var m = _pendingResends[i];
            var cacheObject = _executor.CacheObjectOf(m.Client);
            if (!IsUsable(cacheObject))
            {
                RequestOnDemand(cacheObject);
                continue;
            }

            var (last, reply) = _executor.LastReply(_store, m.Client);
            if (last < m.Timestamp)
            {
                // Not executed here yet (a woken replica catching up): it replies when it executes the request, or
                // from the cache once a state transfer skips past it. One pending resend per client bounds this.
                continue;
            }

            _pendingResends.RemoveAt(i);
            if (last == m.Timestamp && reply is not null)
            {
                Send(NodeId.Client(m.Client), new Reply(m.Client, m.Timestamp, _view, reply));
                Notice(new ProtocolEvent.ReplySent(Id, m.Client, m.Timestamp));
            }
        }
    }
}
