using Roost.Bft.Messages;

namespace Roost.Bft.Execution;

/// <summary>
/// State transfer to a certified checkpoint, used for every way a replica can fall out of step: woken from sleep,
/// lagging beyond the log, diverged from the certified digest, or unable to repair a corrupt object. The replica
/// resets to the checkpoint's sequence number with every object unverified, then replays the log; an object is
/// verified when the certified tree says its digest equals the replica's own (no transfer) or when its fetched
/// copy hashes to the certified leaf. Executing waits only for the objects a batch touches.
/// </summary>
public sealed partial class ExecutionReplica
{
    private const long MaxReplyBytes = 4 << 20;

    /// <summary>Earlier targets of a moved transfer whose replies are still taken.</summary>
    private const int EarlierTargetsKept = 4;

    /// <summary>Fetch ticks after which an unanswered state request counts as lost.</summary>
    private const int LostAfterTicks = 4;
    private StateSync? _sync;
    private bool[]? _verified;
    private int _unverified;

    private void StartSync(CheckpointEntry target, string reason, bool rehash)
    {
        if (_sync is not null && _sync.Target == target)
        {
            return;
        }

        MerkleTree baseTree;
        if (_sync is not null || rehash)
        {
            // The content cannot be trusted to match any tree we hold (a transfer half done, or corruption): hash it.
            baseTree = MerkleTree.Build(Enumerable.Range(0, _store.Count).Select(_store.Get).ToList());
        }
        else
        {
            var last = _snapshots.FindLast(s => s.Tree.IsComplete);
            if (last is not null)
            {
                _store.Restore(last.Objects);
                baseTree = last.Tree.Clone();
            }
            else
            {
                _store.Restore(_genesis.Objects);
                baseTree = _genesis.Tree.Clone();
            }
        }

        _store.ClearDirty();
        _snapshots.Clear();
        _repairs.Clear();
        _executed = target.Sequence;
        foreach (var s in _votes.Keys.Where(s => s <= _executed).ToList())
        {
            _votes.Remove(s);
            _batches.Remove(s);
        }

        Notice(new ProtocolEvent.SyncStarted(Id, target.Sequence, reason));
        _sync = new StateSync(target, baseTree, _store.Count, _tick);
        _tree = MerkleTree.Partial(_store.Count, target.State);
        _verified = new bool[_store.Count];
        _unverified = _store.Count;
        var own = new Snapshot(target.Sequence, _store.Snapshot(), _tree.Clone());
        _snapshots.Add(own);
        _sync.Filling.Add(own);
        if (baseTree.Root == target.State)
        {
            PruneSubtree(1);
        }

        if (_unverified == 0)
        {
            CompleteSync();
        }
        else
        {
            SendStateRequests();
        }

        TryExecute();
    }

    private bool IsUsable(int index) => (_verified is null || _verified[index]) && !_repairs.ContainsKey(index);

    /// <summary>True if every object the batch touches is verified; otherwise asks for the missing ones first.</summary>
    private bool EnsureVerified(Batch batch, long sequence)
    {
        if (_verified is null && _repairs.Count == 0)
        {
            return true;
        }

        var ready = true;
        foreach (var request in batch.Requests)
        {
            foreach (var k in _executor.Touched(request))
            {
                if (!IsUsable(k))
                {
                    ready = false;
                    RequestOnDemand(k);
                }
            }
        }

        // Look ahead: the batches that follow will need theirs too; ask in the same round trip.
        for (var s = sequence + 1; s <= sequence + 8 && _sync is not null; s++)
        {
            if (Agreed(s) is { } digest && _batches.TryGetValue(s, out var next) && next.Digest == digest)
            {
                foreach (var request in next.Requests)
                {
                    foreach (var k in _executor.Touched(request))
                    {
                        if (!IsUsable(k))
                        {
                            RequestOnDemand(k);
                        }
                    }
                }
            }
        }

        return ready;
    }

    private void RequestOnDemand(int index)
    {
        if (_sync is not null && _verified is not null && !_verified[index])
        {
            if (_sync.TargetTree.IsLeafKnown(index))
            {
                if (_sync.TargetTree.Leaf(index) == _sync.Base.Leaf(index))
                {
                    MarkVerified(index);
                }
                else
                {
                    _sync.Wanted.Add(index);
                    _sync.OnDemand.Add(index);
                }
            }
            else
            {
                _sync.OnDemand.Add(index);
            }
        }
    }

    /// <summary>Sends state requests for what is wanted and not asked for recently, on-demand items first.</summary>
    private void SendStateRequests()
    {
        if (_sync is not { } sync)
        {
            return;
        }

        var peers = Enumerable.Range(0, _options.ExecutionReplicas).Where(p => p != _index && !sync.Unavailable.Contains(p)).ToList();
        if (peers.Count == 0)
        {
            sync.Unavailable.Clear();
            return;
        }

        // A request unanswered for LostAfterTicks is lost: forgotten (its items may be asked again) and its peer silent.
        sync.ExpireBefore(_tick - LostAfterTicks);
        while (NextFetchPeer(sync, peers) is { } peer)
        {
            var nodes = new SortedSet<int>();
            var objects = new SortedSet<int>();
            var budget = _options.FetchItemsPerRequest;
            foreach (var k in sync.OnDemand.ToList())
            {
                if (_verified is null || _verified[k])
                {
                    sync.OnDemand.Remove(k);
                    continue;
                }

                if (budget <= 0 || Recently(sync, -(k + 1)))
                {
                    continue;
                }

                foreach (var node in _tree.PathTo(k))
                {
                    if (!sync.TargetTree.IsKnown(2 * node) || !sync.TargetTree.IsKnown(2 * node + 1))
                    {
                        nodes.Add(node);
                    }
                }

                objects.Add(k);
                Asked(sync, -(k + 1));
                budget -= 2;
            }

            foreach (var node in sync.Frontier)
            {
                if (budget <= 0)
                {
                    break;
                }

                if (!Recently(sync, node))
                {
                    nodes.Add(node);
                    Asked(sync, node);
                    budget--;
                }
            }

            foreach (var k in sync.Wanted)
            {
                if (budget <= 0)
                {
                    break;
                }

                if (!Recently(sync, -(k + 1)))
                {
                    objects.Add(k);
                    Asked(sync, -(k + 1));
                    budget--;
                }
            }

            if (nodes.Count == 0 && objects.Count == 0)
            {
                return;
            }

            sync.NextPeer++;
            sync.Sent(peer, _tick);
            Send(NodeId.Execution(peer), new StateRequest(sync.Target.State, [.. nodes], [.. objects]));
        }
    }

    /// <summary>
    /// The peer the next state request goes to, or null when the window is full: the one with the fewest requests in
    /// flight (ties in turn). The window (<see cref="BftOptions.FetchRequestsInFlight"/>) counts requests to peers that
    /// answer; a silent peer (one left a request unanswered: retired, asleep, frozen, down) gets one at a time, outside
    /// the window, so it cannot hold the transfer up and is used again once it answers.
    /// </summary>
    private int? NextFetchPeer(StateSync sync, List<int> peers)
    {
        var windowOpen = sync.Outstanding < _options.FetchRequestsInFlight;
        int? best = null;
        for (var i = 0; i < peers.Count; i++)
        {
            var peer = peers[(sync.NextPeer + i) % peers.Count];
            var inFlight = sync.InFlightTo(peer);
            var open = sync.Silent.Contains(peer) ? inFlight == 0 : windowOpen;
            if (open && (best is not { } b || inFlight < sync.InFlightTo(b)))
            {
                best = peer;
            }
        }

        return best;
    }

    private bool Recently(StateSync sync, int item) => sync.RequestedAt.TryGetValue(item, out var at) && at >= _tick - LostAfterTicks;

    private void Asked(StateSync sync, int item) => sync.RequestedAt[item] = _tick;

    private void OnStateRequest(int peer, StateRequest m)
    {
        if (m.Nodes.Count + m.Objects.Count > 4 * _options.FetchItemsPerRequest)
        {
            Send(NodeId.Execution(peer), new StateReply(m.Root, false, [], []));
            return;
        }

        var snapshot = _snapshots.FindLast(s => s.Root == m.Root);
        if (snapshot is null)
        {
            // We do not hold that checkpoint. Our newest copies of the objects asked for may still be the ones it
            // has (objects nobody wrote since): offer them; the peer keeps only what hashes to its certified leaves.
            Send(NodeId.Execution(peer), new StateReply(m.Root, false, NodeCandidates(null, m.Nodes), _snapshots.Count == 0 ? [] : Candidates(_snapshots[^1], m.Objects)));
            return;
        }

        snapshot.LastRequested = _tick;
        Send(NodeId.Execution(peer), new StateReply(m.Root, true, NodeCandidates(snapshot, m.Nodes), Candidates(snapshot, m.Objects)));
    }

    /// <summary>
    /// The children of the nodes asked for, from <paramref name="snapshot"/> where it knows them, else from our other
    /// snapshots (newest first): a subtree unchanged between checkpoints has the same children, and the peer accepts
    /// only children that hash to the node it knows, so a candidate from another checkpoint is safe to offer.
    /// </summary>
    private List<NodeChildren> NodeCandidates(Snapshot? snapshot, IReadOnlyList<int> wanted)
    {
        var nodes = new List<NodeChildren>();
        foreach (var node in wanted)
        {
            if (node < 1 || node >= _tree.Capacity)
            {
                continue;
            }

            var source = snapshot is not null && Knows(snapshot.Tree, node) ? snapshot
                : _snapshots.LastOrDefault(s => Knows(s.Tree, node));
            if (source is not null)
            {
                nodes.Add(new NodeChildren(node, source.Tree.Node(2 * node), source.Tree.Node(2 * node + 1)));
            }
        }

        return nodes;

        static bool Knows(MerkleTree tree, int node) => tree.IsKnown(2 * node) && tree.IsKnown(2 * node + 1);
    }

    /// <summary>The snapshot's copies of the objects asked for, up to the reply size bound.</summary>
    private List<ObjectContent> Candidates(Snapshot snapshot, IReadOnlyList<int> wanted)
    {
        var objects = new List<ObjectContent>();
        long bytes = 0;
        foreach (var k in wanted)
        {
            if (k < 0 || k >= _store.Count || !snapshot.Tree.IsLeafKnown(k) || bytes > MaxReplyBytes)
            {
                continue;
            }

            // Serve only what still hashes to our own leaf: never pass on a corrupt or unverified copy.
            var content = snapshot.Objects[k];
            if (MerkleTree.LeafHash(k, content) != snapshot.Tree.Leaf(k))
            {
                continue;
            }

            objects.Add(new ObjectContent(k, content));
            bytes += content.Length;
        }

        return objects;
    }

    private void OnStateReply(int peer, StateReply m)
    {
        // A reply for an earlier target of this transfer (asked before it moved) still counts: what it carries is kept
        // only where it hashes to what the current target's tree knows, like any other reply.
        if (_sync is not { } sync || (m.Root != sync.Target.State && !sync.EarlierTargets.Contains(m.Root)))
        {
            return;
        }

        sync.Answered(peer);
        if (!m.Available && m.Root == sync.Target.State)
        {
            sync.Unavailable.Add(peer);
            if (sync.Unavailable.Union(sync.Silent).Count() >= _options.ExecutionReplicas - 1 && _certified.Sequence > sync.Target.Sequence)
            {
                // A silent peer (one that leaves requests unanswered) is no source either.
                // Nobody keeps our target any more: move to the newer certified checkpoint.
                MoveToCertified("target checkpoint gone");
            }

            if (_sync is not { } current || m.Root != current.Target.State)
            {
                InstallObjects(m.Objects);
                return;
            }
        }

        var target = sync.TargetTree;
        foreach (var node in m.Nodes.OrderBy(n => n.Node))
        {
            if (target.IsKnown(2 * node.Node) && target.IsKnown(2 * node.Node + 1))
            {
                continue;
            }

            if (!target.TryAcceptChildren(node.Node, node.Left, node.Right))
            {
                continue;
            }

            sync.Frontier.Remove(node.Node);
            foreach (var child in new[] { 2 * node.Node, 2 * node.Node + 1 })
            {
                _tree.CopyIfUnknown(target, child);
                if (child >= target.Capacity)
                {
                    var k = child - target.Capacity;
                    if (k < _store.Count && _verified is not null && !_verified[k])
                    {
                        if (target.Leaf(k) == sync.Base.Leaf(k))
                        {
                            MarkVerified(k);
                        }
                        else
                        {
                            sync.Wanted.Add(k);
                        }
                    }
                }
                else if (target.Node(child) == sync.Base.Node(child))
                {
                    PruneSubtree(child);
                }
                else
                {
                    sync.Frontier.Add(child);
                }
            }
        }

        InstallObjects(m.Objects);
    }

    /// <summary>Installs the fetched objects that hash to the certified leaves of the transfer's target.</summary>
    private void InstallObjects(IReadOnlyList<ObjectContent> items)
    {
        if (_sync is not { } sync)
        {
            return;
        }

        var target = sync.TargetTree;
        foreach (var item in items)
        {
            var k = item.Index;
            if (k < 0 || k >= _store.Count || _verified is null || _verified[k] || !target.IsLeafKnown(k))
            {
                continue;
            }

            if (MerkleTree.LeafHash(k, item.Content) != target.Leaf(k))
            {
                continue;
            }

            _store.Install(k, item.Content);
            sync.ObjectsFetched++;
            sync.BytesFetched += item.Content.Length;
            MarkVerified(k);
        }

        if (_sync is not null && _unverified == 0)
        {
            CompleteSync();
        }

        TryExecute();
    }

    /// <summary>
    /// Moves the transfer to the newer certified checkpoint. If our own checkpoint there matches it, keep what we
    /// verified (and that checkpoint, which peers may need: it can be the only copy of what we executed); otherwise
    /// start over from our hashed content, which still takes every object whose digest matches without transfer.
    /// </summary>
    private void MoveToCertified(string reason)
    {
        var own = _snapshots.FindLast(s => s.Sequence == _certified.Sequence && s.Root == _certified.State);
        if (own is not null)
        {
            Retarget(own, reason);
        }
        else
        {
            StartSync(_certified, reason, rehash: true);
        }
    }

    /// <summary>
    /// Moves a transfer whose target is gone to the newer certified checkpoint <paramref name="own"/>, which this
    /// replica reached by executing on demand and whose root matches the certified one (so every node its partial tree
    /// knows is the certified one). The objects still unverified were not written since the old target, so their
    /// content is still the base's: each is verified from the new tree where it knows the leaf or a subtree that
    /// agrees with the base, and fetched against it otherwise.
    /// </summary>
    private void Retarget(Snapshot own, string reason)
    {
        if (_sync is not { } old || _verified is null)
        {
            return;
        }

        Notice(new ProtocolEvent.SyncStarted(Id, own.Sequence, reason + ", own checkpoint matches the newer one"));
        var sync = new StateSync(_certified, old.Base, _store.Count, old.StartTick, own.Tree.Clone())
        {
            ObjectsFetched = old.ObjectsFetched,
            BytesFetched = old.BytesFetched,
        };
        foreach (var k in old.OnDemand)
        {
            sync.OnDemand.Add(k);
        }

        // The requests in flight for the old target still count against the window, and their replies are still
        // taken (verified against the new tree); nothing is asked again before they are due.
        sync.TakeRequestsFrom(old);
        foreach (var (item, at) in old.RequestedAt)
        {
            sync.RequestedAt[item] = at;
        }

        sync.EarlierTargets.Add(old.Target.State);
        sync.EarlierTargets.AddRange(old.EarlierTargets.Take(EarlierTargetsKept - 1));

        // Snapshots below the new target may differ from it where the new tree is unknown to them: no longer filled.
        sync.Filling.AddRange(old.Filling.Where(s => s.Sequence >= own.Sequence));

        _sync = sync;
        var target = sync.TargetTree;

        // Keep the walk of the old target's tree: our checkpoint at the new target knows only the nodes learnt before
        // we took it. Every subtree nobody wrote since has the same nodes in both trees; the hash check against the
        // new tree's parent keeps exactly those (heap order: a parent is settled before its children).
        var walked = old.TargetTree;
        for (var node = 1; node < target.Capacity; node++)
        {
            if (target.IsKnown(node) && !target.IsKnown(2 * node) && walked.IsKnown(2 * node) && walked.IsKnown(2 * node + 1)
                && target.TryAcceptChildren(node, walked.Node(2 * node), walked.Node(2 * node + 1)))
            {
                _tree.CopyIfUnknown(target, 2 * node);
                _tree.CopyIfUnknown(target, 2 * node + 1);
            }
        }

        for (var k = 0; k < _store.Count; k++)
        {
            if (_verified[k])
            {
                continue;
            }

            var node = target.LeafNode(k);
            while (node > 1 && !target.IsKnown(node))
            {
                node /= 2;
            }

            if (target.Node(node) == sync.Base.Node(node))
            {
                PruneSubtree(node);
            }
            else if (node >= target.Capacity)
            {
                sync.Wanted.Add(k);
            }
            else
            {
                sync.Frontier.Add(node);
            }
        }

        if (_unverified == 0)
        {
            CompleteSync();
        }
        else
        {
            SendStateRequests();
        }
    }

    /// <summary>The target and base agree on this subtree: its objects are ours already.</summary>
    private void PruneSubtree(int node)
    {
        if (_sync is not { } sync)
        {
            return;
        }

        var capacity = sync.TargetTree.Capacity;
        var first = node;
        var last = node;
        while (first < capacity)
        {
            first *= 2;
            last = 2 * last + 1;
        }

        for (var leaf = first; leaf <= last; leaf++)
        {
            var k = leaf - capacity;
            if (k < _store.Count && _verified is not null && !_verified[k])
            {
                MarkVerified(k);
            }
        }
    }

    /// <summary>
    /// Marks an object verified and makes its path (and the siblings on it) known in the current tree, from the target
    /// where known and from the base below a subtree the two agree on, so a later write can be re-hashed to the root.
    /// </summary>
    private void MarkVerified(int index)
    {
        if (_sync is not { } sync || _verified is null || _verified[index])
        {
            return;
        }

        _verified[index] = true;
        _unverified--;
        sync.Wanted.Remove(index);
        sync.OnDemand.Remove(index);
        CopyPath(_tree, sync, index);
        var content = _store.Get(index);
        foreach (var snapshot in sync.Filling)
        {
            snapshot.Objects[index] = content;
            CopyPath(snapshot.Tree, sync, index);
        }
    }

    /// <summary>
    /// Makes an object's path and the siblings on it known in <paramref name="tree"/>, from the target where known and
    /// from the base below a subtree the two agree on. A node unknown to a tree of this transfer covers only objects
    /// not written since its target, so the target's (or the agreeing base's) value is its value.
    /// </summary>
    private static void CopyPath(MerkleTree tree, StateSync sync, int index)
    {
        var leaf = tree.LeafNode(index);
        for (var node = leaf; node > 1; node /= 2)
        {
            foreach (var n in new[] { node, node ^ 1 })
            {
                if (!tree.IsKnown(n))
                {
                    tree.CopyIfUnknown(sync.TargetTree.IsKnown(n) ? sync.TargetTree : sync.Base, n);
                }
            }
        }
    }

    private void CompleteSync()
    {
        if (_sync is not { } sync)
        {
            return;
        }

        Notice(new ProtocolEvent.SyncCompleted(Id, sync.Target.Sequence, sync.ObjectsFetched, sync.BytesFetched));
        _tree = _tree.Completed();
        foreach (var snapshot in sync.Filling)
        {
            snapshot.Tree = snapshot.Tree.Completed();
        }

        _sync = null;
        _verified = null;
        _catchingUp = false;
        if (_store.Dirty.Count == 0 && !_snapshots.Exists(s => s.Sequence == _executed))
        {
            _snapshots.Add(new Snapshot(_executed, _store.Snapshot(), _tree.Clone()));
        }
    }
}
