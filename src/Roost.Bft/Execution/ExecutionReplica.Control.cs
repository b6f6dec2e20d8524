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
    /// Pause. A paused VM keeps its memory, and so does the replica: with its whole state verified it folds the writes
    /// since the last checkpoint into a snapshot (the base a later wake-up transfers from); in the middle of a state
    /// transfer it keeps the transfer (the objects verified so far, the partial checkpoints they fill, the certified
    /// tree learnt), which resumes on waking. Either may be the only correct copy of an object that its peers need:
    /// rolling a half-done transfer back to the last complete checkpoint lost one for good (seed 75724,
    /// docs/experiments/zz.md). A retired replica is recreated from the initial state instead (a fresh VM).
    /// </summary>
    private void GoToSleep(bool wipe)
    {
        if (!wipe && _sync is null)
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
        _repairs.Clear();
        _votes.Clear();
        _batches.Clear();
        _pendingResends.Clear();
        _certifiedVotes.Clear();
        _highestKnown = 0;
        _stableSeen = 0;
        _out.Add(new Output.CancelTimer(TimerKind.Fetch));
        _out.Add(new Output.CancelTimer(TimerKind.Audit));
        if (!wipe)
        {
            // The requests in flight when the VM paused are lost: ask again as soon as it resumes.
            _sync?.ForgetRequests();
            return;
        }

        _sync = null;
        _verified = null;
        _store.Restore(_genesis.Objects);
        _store.ClearDirty();
        _tree = _genesis.Tree.Clone();
        _executed = 0;
        _certified = default;
        _snapshots.Clear();
    }
}
