using Roost.Bft.Execution;
using Roost.Bft.Messages;

namespace Roost.Bft.Simulation;

/// <summary>
/// The invariants: no two correct agreement replicas commit different digests at one sequence number; no two correct
/// execution replicas execute different batches at one sequence number; the client history is linearizable
/// (<see cref="HistoryChecker"/>); every stable checkpoint and every checkpoint of a correct replica equals the state a
/// reference execution of the committed order produces; a replica whose state was silently corrupted ends awake with
/// a state that matches its digests (repaired) or asleep; and every request is answered after the network heals.
/// </summary>
public sealed partial class Simulator
{
    private readonly Dictionary<long, (Digest Digest, int Replica)> _committed = [];
    private readonly Dictionary<long, (Digest Digest, int Replica)> _executedDigests = [];
    private readonly Dictionary<Digest, Batch> _batches = [];
    private readonly List<(long Sequence, Digest State, int Replica)> _stables = [];
    private readonly List<(long Sequence, Digest Root, int Replica, long At)> _checkpoints = [];
    private readonly HashSet<long> _views = [];
    private int _wakes;
    private int _syncs;
    private int _corruptionsDetected;
    private int _repaired;
    private int _retired;

    private bool IsByzantine(int node) => _nodes[node].Byzantine is not null;

    private void Observe(int node, ProtocolEvent e)
    {
        switch (e)
        {
            case ProtocolEvent.Committed c when !IsByzantine(node):
                if (_committed.TryGetValue(c.Sequence, out var known))
                {
                    if (known.Digest != c.Digest)
                    {
                        _violations.Add($"safety: a{known.Replica} and a{node} committed different batches at {c.Sequence} ({known.Digest} vs {c.Digest})");
                    }
                }
                else
                {
                    _committed[c.Sequence] = (c.Digest, node);
                }

                break;
            case ProtocolEvent.Executed x when !IsByzantine(node):
                var replica = node - _executionBase;
                _batches.TryAdd(x.Batch.Digest, x.Batch);
                if (_executedDigests.TryGetValue(x.Sequence, out var executed))
                {
                    if (executed.Digest != x.Batch.Digest)
                    {
                        _violations.Add($"safety: e{executed.Replica} and e{replica} executed different batches at {x.Sequence}");
                    }
                }
                else
                {
                    _executedDigests[x.Sequence] = (x.Batch.Digest, replica);
                }

                break;
            case ProtocolEvent.Stable s when !IsByzantine(node):
                _stables.Add((s.Sequence, s.State, node));
                break;
            case ProtocolEvent.CheckpointTaken t when !IsByzantine(node):
                _checkpoints.Add((t.Sequence, t.Root, node - _executionBase, _now));
                break;
            case ProtocolEvent.ViewInstalled v:
                _views.Add(v.View);
                break;
            case ProtocolEvent.Delivered d:
                OnDelivered(node, d);
                break;
            case ProtocolEvent.ExecutorStateChanged { Kind: ControlKind.Wake }:
                _wakes++;
                break;
            case ProtocolEvent.ExecutorStateChanged { Kind: ControlKind.Retire }:
                _retired++;
                break;
            case ProtocolEvent.SyncStarted:
                _syncs++;
                break;
            case ProtocolEvent.CorruptionDetected:
                _corruptionsDetected++;
                break;
            case ProtocolEvent.ObjectRepaired:
                _repaired++;
                break;
            default:
                break;
        }
    }

    private void CheckAtEnd()
    {
        var order = new List<Batch>();
        var maxSequence = Math.Max(_committed.Keys.DefaultIfEmpty(0).Max(), _executedDigests.Keys.DefaultIfEmpty(0).Max());
        for (var s = 1L; s <= maxSequence; s++)
        {
            Digest digest;
            if (_committed.TryGetValue(s, out var c))
            {
                digest = c.Digest;
            }
            else if (_executedDigests.TryGetValue(s, out var x))
            {
                digest = x.Digest;
            }
            else
            {
                break;
            }

            if (digest == Batch.Empty.Digest)
            {
                order.Add(Batch.Empty);
            }
            else if (_batches.TryGetValue(digest, out var batch))
            {
                order.Add(batch);
            }
            else
            {
                break;
            }
        }

        foreach (var violation in HistoryChecker.Check(order, History))
        {
            _violations.Add("linearizability: " + violation);
        }

        // Reference execution of the committed order: the state every certified checkpoint must describe.
        var executor = new RequestExecutor(_service, _options.ReplyCacheObjects);
        var store = new StateStore((byte[][])_genesis.Objects.Clone());
        var tree = _genesis.Tree.Clone();
        var roots = new Dictionary<long, Digest>();
        for (var i = 0; i < order.Count; i++)
        {
            foreach (var request in order[i].Requests)
            {
                executor.Execute(store, request, executor.Touched(request));
            }

            var sequence = i + 1L;
            if (sequence % _options.CheckpointInterval == 0)
            {
                foreach (var k in store.Dirty)
                {
                    tree.SetLeaf(k, MerkleTree.LeafHash(k, store.Get(k)));
                }

                store.ClearDirty();
                tree.Recompute();
                roots[sequence] = tree.Root;
            }
        }

        foreach (var (sequence, state, replica) in _stables)
        {
            if (sequence > 0 && roots.TryGetValue(sequence, out var root) && root != state)
            {
                _violations.Add($"checkpoint: a{replica} made {sequence} stable with {state}, the reference state is {root}");
                break;
            }
        }

        var corrupted = _scenario.CorruptedExecution.ToHashSet();
        foreach (var (sequence, root, replica, _) in _checkpoints)
        {
            if (!corrupted.Contains(replica) && roots.TryGetValue(sequence, out var expected) && expected != root)
            {
                _violations.Add($"checkpoint: correct e{replica} checkpointed {root} at {sequence}, the reference state is {expected}");
                break;
            }
        }

        foreach (var replica in corrupted)
        {
            if (_nodes[_executionBase + replica].Node is ExecutionReplica executorReplica && executorReplica.IsAwake
                && !executorReplica.IsSyncing && !executorReplica.StateMatchesTree())
            {
                _violations.Add($"corruption: e{replica} is awake with objects that do not match their digests {_scenario.SettleMicros} µs after the last reply");
            }
        }
    }
}
