using Roost.Bft.Crypto;
using Roost.Bft.Messages;

namespace Roost.Bft.Agreement;

/// <summary>Normal-case operation: client requests, batching at the primary, pre-prepare, prepare, commit.</summary>
public sealed partial class AgreementReplica
{
    private readonly List<ClientRequest> _queue = [];
    private readonly HashSet<(int Client, long Timestamp)> _proposed = [];
    private long _nextSequence;
    private long _committedUpTo;
    private bool _requestTimerRunning;
    private int _failedViewChanges;

    private void OnRequest(NodeId from, ClientRequest request)
    {
        if (request.Client != from.Index || !RequestAuthenticator.Verify(_keyring, request.Client, request.Digest, _index, request.Authenticator))
        {
            return;
        }

        if (request.Timestamp <= LastOrdered(request.Client))
        {
            // Already ordered, yet the client retransmits: it did not get f+1 matching replies. Under ZZ, wake the
            // sleepers (one of the active replicas may be lying to it), then ask the executors, those just woken
            // included, to resend theirs: the wake goes first on each link, and a woken replica whose checkpoint
            // skips past the request can answer only from its reply cache.
            _controller.OnComplaint(_out, Id);
            SendToExecutors(new ResendReply(request.Client, request.Timestamp));
            return;
        }

        if (!_inViewChange && IsPrimary)
        {
            if (_proposed.Add((request.Client, request.Timestamp)))
            {
                _queue.Add(request);
                TryPropose();
            }

            return;
        }

        if (!_waiting.TryGetValue(request.Client, out var waiting) || waiting < request.Timestamp)
        {
            _waiting[request.Client] = request.Timestamp;
        }

        if (!_inViewChange && !_requestTimerRunning)
        {
            StartRequestTimer();
        }
    }

    private void StartRequestTimer()
    {
        // PBFT's timer doubles with every view change that fails to make progress.
        var factor = 1L << Math.Min(_failedViewChanges, 6);
        SetTimer(TimerKind.ViewChange, _options.ViewChangeTimeout * factor);
        _requestTimerRunning = true;
    }

    private void StopRequestTimer()
    {
        if (_requestTimerRunning)
        {
            _out.Add(new Output.CancelTimer(TimerKind.ViewChange));
            _requestTimerRunning = false;
        }
    }

    private void TryPropose()
    {
        while (!_inViewChange && IsPrimary && _queue.Count > 0
               && _nextSequence - Math.Max(_committedUpTo, _stable) < _options.MaxInFlight
               && _nextSequence + 1 <= _stable + _options.Window)
        {
            var take = Math.Min(_options.MaxBatch, _queue.Count);
            var requests = _queue.GetRange(0, take).ToArray();
            _queue.RemoveRange(0, take);
            var batch = new Batch(requests);
            var sequence = ++_nextSequence;
            var slot = GetSlot(sequence);
            slot.AcceptPrePrepare(_view, batch.Digest, batch);
            BroadcastReplicas(new PrePrepare(_view, sequence, batch));
        }
    }

    private void OnPrePrepare(int from, PrePrepare m)
    {
        if (_inViewChange || m.View != _view || from != Primary(_view) || !InWindow(m.Sequence))
        {
            NoteHigherView(from, m.View);
            return;
        }

        var slot = GetSlot(m.Sequence);
        var digest = m.Batch.Digest;
        if (slot.PrePrepareView == _view)
        {
            if (slot.PrePrepareDigest == digest && slot.CommitSentView != _view)
            {
                // The primary retransmits: it has not seen our prepare.
                Send(NodeId.Agreement(from), new Prepare(_view, m.Sequence, digest));
            }

            return;
        }

        if (m.Batch.Requests.Count > _options.MaxBatch)
        {
            return;
        }

        foreach (var request in m.Batch.Requests)
        {
            if (!RequestAuthenticator.Verify(_keyring, request.Client, request.Digest, _index, request.Authenticator))
            {
                return;
            }
        }

        slot.AcceptPrePrepare(_view, digest, m.Batch);
        slot.AddPrepare(_view, digest, _index);
        BroadcastReplicas(new Prepare(_view, m.Sequence, digest));
        CheckPrepared(slot);
    }

    private void OnPrepare(int from, Prepare m)
    {
        if (_inViewChange || m.View != _view || from == Primary(_view) || !InWindow(m.Sequence))
        {
            NoteHigherView(from, m.View);
            HelpBehind(from, m.Sequence);
            return;
        }

        var slot = GetSlot(m.Sequence);
        var known = slot.Prepares(m.View, m.Digest)?.Has(from) == true;
        slot.AddPrepare(m.View, m.Digest, from);
        if (known)
        {
            Help(slot, from);
        }

        CheckPrepared(slot);
    }

    private void OnCommit(int from, Commit m)
    {
        if (_inViewChange || m.View != _view || !InWindow(m.Sequence))
        {
            NoteHigherView(from, m.View);
            HelpBehind(from, m.Sequence);
            return;
        }

        var slot = GetSlot(m.Sequence);
        var known = slot.Commits(m.View, m.Digest)?.Has(from) == true;
        slot.AddCommit(m.View, m.Digest, from);
        if (known)
        {
            Help(slot, from);
        }

        CheckCommitted(slot);
    }

    /// <summary>A peer retransmits a vote we already have: it is missing ours. Answer once per retransmission tick.</summary>
    private void Help(Slot slot, int peer)
    {
        var bit = 1UL << peer;
        if ((slot.Helped & bit) != 0 || slot.CommitSentView != _view)
        {
            return;
        }

        slot.Helped |= bit;
        var to = NodeId.Agreement(peer);
        if (_index == Primary(_view) && slot.Batch is { } batch && slot.PrePrepareView == _view)
        {
            Send(to, new PrePrepare(_view, slot.Sequence, batch));
        }
        else if (slot.PrePrepareView == _view)
        {
            Send(to, new Prepare(_view, slot.Sequence, slot.PrePrepareDigest));
        }

        Send(to, new Commit(_view, slot.Sequence, slot.PrePrepareDigest));
    }

    private void CheckPrepared(Slot slot)
    {
        if (slot.PrePrepareView != _view || slot.CommitSentView == _view)
        {
            return;
        }

        // Prepared: the pre-prepare and 2f matching prepares from backups (Castro & Liskov, §4.2).
        var prepares = slot.Prepares(_view, slot.PrePrepareDigest);
        if (prepares is null || prepares.CountExcluding(Primary(_view)) < 2 * _f)
        {
            return;
        }

        slot.MarkPrepared(_view, slot.PrePrepareDigest);
        slot.CommitSentView = _view;
        slot.AddCommit(_view, slot.PrePrepareDigest, _index);
        BroadcastReplicas(new Commit(_view, slot.Sequence, slot.PrePrepareDigest));
        CheckCommitted(slot);
    }

    private void CheckCommitted(Slot slot)
    {
        if (slot.CommitSentView != _view)
        {
            return;
        }

        // Committed-local: prepared and 2f+1 matching commits, its own included.
        var commits = slot.Commits(_view, slot.PrePrepareDigest);
        if (commits is null || commits.Count < 2 * _f + 1)
        {
            return;
        }

        _failedViewChanges = 0;
        if (slot.IsCommitted)
        {
            return;
        }

        slot.MarkCommitted(slot.PrePrepareDigest);
        Notice(new ProtocolEvent.Committed(Id, _view, slot.Sequence, slot.CommittedDigest));
        while (_slots.TryGetValue(_committedUpTo + 1, out var next) && next.IsCommitted)
        {
            _committedUpTo++;
        }

        _controller.OnCommitted(slot.Sequence);
        SendOrdered(slot);
        if (slot.Batch is not null)
        {
            ApplyCommitted(slot);
        }
        else
        {
            BroadcastReplicas(new BatchRequest(slot.Sequence, slot.CommittedDigest));
        }

        TryPropose();
    }

    /// <summary>A committed batch's effect on this replica: client timestamps, waiting requests, blame hints.</summary>
    private void ApplyCommitted(Slot slot)
    {
        if (slot.IsApplied || slot.Batch is not { } batch)
        {
            return;
        }

        slot.IsApplied = true;
        var changed = false;
        foreach (var request in batch.Requests)
        {
            if (request.Timestamp > LastOrdered(request.Client))
            {
                _lastOrdered[request.Client] = request.Timestamp;
            }

            _proposed.Remove((request.Client, request.Timestamp));
            if (_waiting.TryGetValue(request.Client, out var waiting) && waiting <= request.Timestamp)
            {
                _waiting.Remove(request.Client);
                changed = true;
            }

            if (request.Blame != 0)
            {
                _controller.OnBlame(request.Blame, _out, Id);
            }
        }

        if (changed && !_inViewChange)
        {
            // PBFT: stop the timer when no request waits, restart it if others still do.
            StopRequestTimer();
            if (_waiting.Count > 0)
            {
                StartRequestTimer();
            }
        }
    }

    private void Retransmit()
    {
        if (_inViewChange)
        {
            if (_ownViewChange is { } own && own.NewView == _view)
            {
                BroadcastReplicas(own);
            }

            return;
        }

        var sent = 0;
        var fetches = 0;
        foreach (var s in _slots.Keys.Order())
        {
            var slot = _slots[s];
            slot.Helped = 0;
            if (slot.IsCommitted)
            {
                if (!slot.IsApplied && fetches++ < 16)
                {
                    BroadcastReplicas(new BatchRequest(s, slot.CommittedDigest));
                }

                if (slot.CommitSentView == _view || slot.PrePrepareView != _view)
                {
                    continue;
                }
            }

            if (slot.PrePrepareView != _view || sent >= 16)
            {
                continue;
            }

            sent++;
            if (IsPrimary && slot.Batch is { } batch)
            {
                BroadcastReplicas(new PrePrepare(_view, s, batch));
            }
            else if (!IsPrimary)
            {
                BroadcastReplicas(new Prepare(_view, s, slot.PrePrepareDigest));
            }

            if (slot.CommitSentView == _view)
            {
                BroadcastReplicas(new Commit(_view, s, slot.PrePrepareDigest));
            }
        }

        _checkpointHelped = 0;
        RequestMissingNewView();
    }
}
