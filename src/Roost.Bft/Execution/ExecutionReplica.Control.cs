using System.Numerics;
using Roost.Bft.Messages;

namespace Roost.Bft.Execution;

/// <summary>
/// The replica's side of the ZZ controller. A control message names the replica's generation; f+1 matching ones from
/// distinct agreement replicas (so at least one correct replica decided it) change the state and the generation.
/// A message for another generation (late, replayed, or from a replica with a stale belief) is answered with the
/// replica's status instead, and so is a probe or a command that does not apply (a wake for an awake replica): a
/// controller whose belief went stale (its command's effect never confirmed to it) learns the truth that way.
/// In a deployment this part runs in the hypervisor's agent, which resumes the paused VM.
/// </summary>
public sealed partial class ExecutionReplica
{
    private readonly Dictionary<(ControlKind Kind, int Generation), ulong> _controlVotes = [];

    private void OnControl(int replica, Control m)
    {
        if (m.Generation != _generation || m.Kind == ControlKind.Probe)
        {
            Send(NodeId.Agreement(replica), new ExecStatus(_generation, _awake || _resuming));
            return;
        }

        var key = (m.Kind, m.Generation);
        var mask = _controlVotes.GetValueOrDefault(key) | (1UL << replica);
        _controlVotes[key] = mask;
        if (BitOperations.PopCount(mask) < _f + 1)
        {
            return;
        }

        var awake = _awake || _resuming;
        switch (m.Kind)
        {
            case ControlKind.Wake when !awake:
                _resuming = true;
                SetTimer(TimerKind.Resume, _options.ResumeDelay);
                break;
            case ControlKind.Sleep when awake:
                GoToSleep(wipe: false);
                break;
            case ControlKind.Retire when awake:
                GoToSleep(wipe: true);
                break;
            default:
                Send(NodeId.Agreement(replica), new ExecStatus(_generation, awake));
                return;
        }

        _generation++;
        _controlVotes.Clear();
        Notice(new ProtocolEvent.ExecutorStateChanged(Id, m.Kind, _generation));
    }

    private void Resume()
    {
        if (!_resuming)
        {
            return;
        }

        _resuming = false;
        _awake = true;
        _catchingUp = true;
        ArmTimers();

        // Learn the certified checkpoints and the order from every agreement replica; CheckLag then starts the
        // state transfer from the latest certified checkpoint, and the log replay follows.
        SendToAgreement(new SyncRequest(_executed + 1, WithContent: false));
        SendToAgreement(new ExecStatus(_generation, true));
    }

    /// <summary>
    /// Pause. A replica with its whole state verified keeps it as it is (a paused VM keeps its memory): the base a
    /// later wake-up transfers from. One in the middle of a transfer goes back to its last complete checkpoint
    /// (consistent objects and tree). A retired replica is recreated from the initial state instead (a fresh VM).
    /// </summary>
    private void GoToSleep(bool wipe)
    {
        var keep = !wipe && _sync is null && _tree.IsComplete;
        if (keep)
        {
            // Fold the writes since the last checkpoint into the tree: objects and tree agree at _executed.
            foreach (var k in _store.Dirty)
            {
                _tree.SetLeaf(k, MerkleTree.LeafHash(k, _store.Get(k)));
            }

            if (_store.Dirty.Count > 0 || !_snapshots.Exists(s => s.Sequence == _executed))
            {
                _store.ClearDirty();
                _tree.Recompute();
                _snapshots.Add(new Snapshot(_executed, _store.Snapshot(), _tree.Clone()));
            }
        }

        _awake = false;
        _resuming = false;
        _catchingUp = false;
        _sync = null;
        _verified = null;
        _repairs.Clear();
        _votes.Clear();
        _batches.Clear();
        _pendingResends.Clear();
        _certifiedVotes.Clear();
        _highestKnown = 0;
        _stableSeen = 0;
        _out.Add(new Output.CancelTimer(TimerKind.Fetch));
        _out.Add(new Output.CancelTimer(TimerKind.Audit));
        if (keep)
        {
            return;
        }

        var last = wipe ? null : _snapshots.FindLast(s => s.Tree.IsComplete);
        if (last is null)
        {
            _store.Restore(_genesis.Objects);
            _tree = _genesis.Tree.Clone();
            _executed = 0;
            _certified = default;
        }
        else
        {
            _store.Restore(last.Objects);
            _tree = last.Tree.Clone();
            _executed = last.Sequence;
        }

        _store.ClearDirty();
        _snapshots.Clear();
        if (last is not null)
        {
            _snapshots.Add(last);
        }
    }
}
