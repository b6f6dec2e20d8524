using Roost.Bft.Messages;

namespace Roost.Bft.Execution;

/// <summary>
/// Audits against silent corruption (what BFT-SMaRt lacks): every tick the replica re-hashes a slice of the objects
/// unchanged since its last checkpoint and compares them with their leaves in its Merkle tree, covering the whole
/// state every objects/slice ticks. A mismatch blocks the object (no request reads it), and the replica asks its
/// peers for a copy with the right digest; if none comes, it transfers state from the certified checkpoint. A
/// corruption that slipped into a checkpoint before the audit saw it shows up as divergence from the certified digest.
/// </summary>
public sealed partial class ExecutionReplica
{
    private readonly Dictionary<int, (Digest Leaf, long Since)> _repairs = [];
    private int _auditCursor;

    private void AuditTick()
    {
        if (_sync is not null)
        {
            return;
        }

        for (var i = 0; i < Math.Min(_options.AuditObjectsPerTick, _store.Count); i++)
        {
            var k = _auditCursor;
            _auditCursor = (_auditCursor + 1) % _store.Count;
            if (_store.Dirty.Contains(k) || _repairs.ContainsKey(k) || !_tree.IsLeafKnown(k))
            {
                continue;
            }

            var leaf = _tree.Leaf(k);
            if (MerkleTree.LeafHash(k, _store.Get(k)) != leaf)
            {
                Notice(new ProtocolEvent.CorruptionDetected(Id, k));
                _repairs[k] = (leaf, _tick);
                AskForObject(k, leaf);
            }
        }

        foreach (var (k, (leaf, since)) in _repairs.OrderBy(r => r.Key).ToList())
        {
            if (_tick - since > 20 && _certified.Sequence > 0)
            {
                StartSync(_certified, "repair", rehash: true);
                return;
            }

            AskForObject(k, leaf);
        }
    }

    private void AskForObject(int index, Digest leaf)
    {
        for (var peer = 0; peer < _options.ExecutionReplicas; peer++)
        {
            if (peer != _index)
            {
                Send(NodeId.Execution(peer), new ObjectRequest(index, leaf));
            }
        }
    }

    private void OnObjectRequest(int peer, ObjectRequest m)
    {
        if (m.Index < 0 || m.Index >= _store.Count)
        {
            return;
        }

        var current = _store.Get(m.Index);
        if (IsUsable(m.Index) && MerkleTree.LeafHash(m.Index, current) == m.Leaf)
        {
            Send(NodeId.Execution(peer), new ObjectReply(m.Index, m.Leaf, current));
            return;
        }

        foreach (var snapshot in _snapshots)
        {
            if (snapshot.Tree.IsLeafKnown(m.Index) && snapshot.Tree.Leaf(m.Index) == m.Leaf
                && MerkleTree.LeafHash(m.Index, snapshot.Objects[m.Index]) == m.Leaf)
            {
                Send(NodeId.Execution(peer), new ObjectReply(m.Index, m.Leaf, snapshot.Objects[m.Index]));
                return;
            }
        }
    }

    private void OnObjectReply(ObjectReply m)
    {
        if (!_repairs.TryGetValue(m.Index, out var repair) || repair.Leaf != m.Leaf || MerkleTree.LeafHash(m.Index, m.Content) != m.Leaf)
        {
            return;
        }

        _store.Install(m.Index, m.Content);
        _repairs.Remove(m.Index);
        Notice(new ProtocolEvent.ObjectRepaired(Id, m.Index));
        TryExecute();
    }
}
