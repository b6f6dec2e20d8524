using Roost.Bft.Messages;

namespace Roost.Bft.Agreement;

/// <summary>
/// View changes (Castro &amp; Liskov, TOCS 2002, §4.4, with the thesis's decision rule for unproven P and Q sets).
/// A backup whose request timer expires moves to view v+1 and sends a signed <see cref="ViewChange"/>; a replica that
/// sees f+1 view-change messages for higher views joins the smallest; the timer for the new view starts only once
/// 2f+1 replicas are changing, and doubles with every failed attempt. The new primary decides with
/// <see cref="ViewChangeDecision"/> and sends the view-change messages it used in a signed <see cref="NewView"/>.
/// </summary>
public sealed partial class AgreementReplica
{
    private readonly Dictionary<int, ViewChange> _viewChanges = [];
    private readonly Dictionary<int, long> _higherViews = [];
    private long _view;
    private bool _inViewChange;
    private ViewChange? _ownViewChange;
    private NewView? _lastNewView;

    private void StartViewChange(long newView)
    {
        if (newView <= _view && _inViewChange)
        {
            return;
        }

        if (newView <= _view)
        {
            return;
        }

        if (_inViewChange)
        {
            _failedViewChanges++;
        }

        _view = newView;
        _inViewChange = true;
        StopRequestTimer();
        _queue.Clear();
        _proposed.Clear();
        var checkpoints = _certified.Where(c => c.Key >= _stable && c.Key <= _stable + _options.Window)
            .Select(c => new CheckpointEntry(c.Key, c.Value)).ToList();
        if (!checkpoints.Contains(new CheckpointEntry(_stable, _stableDigest)))
        {
            checkpoints.Insert(0, new CheckpointEntry(_stable, _stableDigest));
        }

        var prepared = new List<SlotEntry>();
        var prePrepared = new List<SlotEntry>();
        foreach (var s in _slots.Keys.Order())
        {
            var slot = _slots[s];
            if (s <= _stable || s > _stable + _options.Window)
            {
                continue;
            }

            if (slot.Prepared is { } p)
            {
                prepared.Add(p);
            }

            prePrepared.AddRange(slot.PrePrepared.OrderBy(e => e.View).ThenBy(e => e.Digest.A));
        }

        var unsigned = new ViewChange(newView, _index, _stable, checkpoints, prepared, prePrepared, []);
        var signed = unsigned with { Signature = _signatures.Sign(unsigned.SignedBytes()) };
        _ownViewChange = signed;
        _viewChanges[_index] = signed;
        BroadcastReplicas(signed);
        CheckViewChangeProgress();
    }

    private void OnViewChange(int from, ViewChange m)
    {
        if (m.Replica != from || !WellFormed(m) || !_signatures.Verify(NodeId.Agreement(from), m.SignedBytes(), m.Signature))
        {
            return;
        }

        if (m.NewView < _view || (m.NewView == _view && !_inViewChange))
        {
            // The sender is changing to a view we are already in (it missed the new-view message): resend it.
            if (m.NewView == _view && !_inViewChange && _lastNewView is { } nv && nv.View == _view && IsPrimary)
            {
                Send(NodeId.Agreement(from), nv);
            }

            return;
        }

        if (_viewChanges.TryGetValue(from, out var existing) && existing.NewView >= m.NewView)
        {
            return;
        }

        _viewChanges[from] = m;

        // Join: f+1 replicas want views above ours, so at least one correct replica does (PBFT §4.5.2).
        var higher = _viewChanges.Values.Where(v => v.NewView > _view).Select(v => v.NewView).ToList();
        if (higher.Count >= _f + 1)
        {
            StartViewChange(higher.Min());
            return;
        }

        CheckViewChangeProgress();
    }

    private static bool WellFormed(ViewChange m) =>
        m.Prepared.All(e => e.Sequence > m.StableSequence) && m.PrePrepared.All(e => e.Sequence > m.StableSequence)
        && m.Prepared.Select(e => e.Sequence).Distinct().Count() == m.Prepared.Count && m.Checkpoints.Count > 0;

    private void CheckViewChangeProgress()
    {
        if (!_inViewChange)
        {
            return;
        }

        var set = _viewChanges.Values.Where(v => v.NewView == _view).OrderBy(v => v.Replica).ToList();
        if (set.Count >= 2 * _f + 1 && !_requestTimerRunning)
        {
            StartRequestTimer();
        }

        if (Primary(_view) != _index || set.Count < 2 * _f + 1)
        {
            return;
        }

        if (ViewChangeDecision.Decide(set, _f, _options.Window) is not { } decision)
        {
            return;
        }

        var unsigned = new NewView(_view, set, []);
        var newView = unsigned with { Signature = _signatures.Sign(unsigned.SignedBytes()) };
        BroadcastReplicas(newView);
        Install(newView, decision);
    }

    private void OnNewView(int from, NewView m)
    {
        if (m.View < _view || (m.View == _view && !_inViewChange) || from != Primary(m.View))
        {
            return;
        }

        if (!_signatures.Verify(NodeId.Agreement(from), m.SignedBytes(), m.Signature))
        {
            return;
        }

        var replicas = new HashSet<int>();
        foreach (var viewChange in m.ViewChanges)
        {
            if (viewChange.NewView != m.View || viewChange.Replica < 0 || viewChange.Replica >= _n || !replicas.Add(viewChange.Replica)
                || !WellFormed(viewChange) || !_signatures.Verify(NodeId.Agreement(viewChange.Replica), viewChange.SignedBytes(), viewChange.Signature))
            {
                return;
            }
        }

        if (ViewChangeDecision.Decide(m.ViewChanges, _f, _options.Window) is not { } decision)
        {
            return;
        }

        Install(m, decision);
    }

    private void Install(NewView newView, ViewChangeDecision.Result decision)
    {
        _view = newView.View;
        _lastNewView = newView;
        _ownViewChange = null;
        _higherViews.Clear();
        foreach (var replica in _viewChanges.Where(v => v.Value.NewView <= _view).Select(v => v.Key).ToList())
        {
            _viewChanges.Remove(replica);
        }

        StopRequestTimer();
        if (decision.Checkpoint.Sequence > _stable)
        {
            MakeStable(decision.Checkpoint.Sequence, decision.Checkpoint.State);
        }

        foreach (var slot in _slots.Values)
        {
            slot.ForgetVotesBefore(_view);
        }

        // Slots above the decided ones never committed anywhere: drop them (clients retransmit their requests).
        foreach (var s in _slots.Keys.Where(s => s > decision.MaxSequence).ToList())
        {
            if (!_slots[s].IsCommitted)
            {
                _slots.Remove(s);
            }
        }

        var primary = Primary(_view) == _index;
        foreach (var (sequence, digest) in decision.Slots)
        {
            if (sequence <= _stable)
            {
                continue;
            }

            var slot = GetSlot(sequence);
            var batch = digest == Batch.Empty.Digest ? Batch.Empty : slot.Batch?.Digest == digest ? slot.Batch : FindBatch(digest);
            slot.AcceptPrePrepare(_view, digest, batch);
            if (!primary)
            {
                slot.AddPrepare(_view, digest, _index);
                BroadcastReplicas(new Prepare(_view, sequence, digest));
            }

            if (batch is null)
            {
                BroadcastReplicas(new BatchRequest(sequence, digest));
            }
        }

        _nextSequence = Math.Max(_stable, Math.Max(decision.MaxSequence, _committedUpTo));
        if (primary)
        {
            _nextSequence = Math.Max(_stable, decision.MaxSequence);
        }

        _inViewChange = false;
        Notice(new ProtocolEvent.ViewInstalled(Id, _view));
        foreach (var slot in _slots.Values.OrderBy(s => s.Sequence).ToList())
        {
            CheckPrepared(slot);
        }

        if (_waiting.Count > 0)
        {
            StartRequestTimer();
        }

        TryPropose();
    }

    private Batch? FindBatch(Digest digest)
    {
        foreach (var slot in _slots.Values)
        {
            if (slot.Batch is { } batch && batch.Digest == digest)
            {
                return batch;
            }
        }

        return null;
    }

    private void OnNewViewRequest(int from, NewViewRequest m)
    {
        if (_lastNewView is { } nv && nv.View == m.View)
        {
            Send(NodeId.Agreement(from), nv);
        }
    }

    /// <summary>A peer sends normal-case messages for a view above ours: if f+1 do, we missed a new-view message.</summary>
    private void NoteHigherView(int from, long view)
    {
        if (view > _view)
        {
            _higherViews[from] = Math.Max(view, _higherViews.GetValueOrDefault(from));
        }
    }

    private void RequestMissingNewView()
    {
        if (_higherViews.Count < _f + 1)
        {
            return;
        }

        var view = _higherViews.Values.OrderDescending().Skip(_f).First();
        if (view > _view)
        {
            Send(NodeId.Agreement(Primary(view)), new NewViewRequest(view));
        }
    }
}
