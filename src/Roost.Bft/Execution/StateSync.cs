using Roost.Bft.Messages;

namespace Roost.Bft.Execution;

/// <summary>
/// An execution replica's state transfer towards a certified checkpoint (ZZ §4.4, "on-demand" fetching). The target
/// tree starts with only its certified root; nodes are accepted top down when they hash to a known parent, objects
/// when they hash to a known leaf. Where the target and the replica's own (base) tree agree, a whole subtree is
/// taken as is without transfer; elsewhere the replica descends, and fetches only objects whose digests differ.
/// Objects a request about to execute touches are fetched first (with their path); the rest follow in the
/// background, so the replica executes and replies before it holds the whole state.
/// </summary>
internal sealed class StateSync
{
    /// <summary>
    /// Requests sent to each peer and not yet answered: the tick each was sent, oldest first. A reply answers its
    /// peer's oldest (links are FIFO). One window for all peers counted as a single number let requests to a peer that
    /// never answers (a retired replica, asleep or frozen) fill the window, so the transfer stalled until nothing at all
    /// had been answered for a while, again and again (docs/experiments/zz.md, "the real transfer's pace").
    /// </summary>
    private readonly SortedDictionary<int, Queue<long>> _inFlight = [];

    public StateSync(CheckpointEntry target, MerkleTree baseTree, int objects, long startTick, MerkleTree? targetTree = null)
    {
        Target = target;
        Base = baseTree;
        TargetTree = targetTree ?? MerkleTree.Partial(objects, target.State);
        StartTick = startTick;
        if (targetTree is null)
        {
            Frontier.Add(1);
        }
    }

    public CheckpointEntry Target { get; }

    /// <summary>The certified tree, partially known.</summary>
    public MerkleTree TargetTree { get; }

    /// <summary>The replica's own tree for the objects it held when the transfer began.</summary>
    public MerkleTree Base { get; }

    public long StartTick { get; }

    /// <summary>Known target nodes that differ from the base and whose children are still wanted.</summary>
    public SortedSet<int> Frontier { get; } = [];

    /// <summary>Objects whose target leaf is known and differs from the base: their content is wanted.</summary>
    public SortedSet<int> Wanted { get; } = [];

    /// <summary>Objects a pending request touches: fetched first, with their paths.</summary>
    public SortedSet<int> OnDemand { get; } = [];

    /// <summary>Tick each item (node n as n, object k as -(k+1)) was last asked for.</summary>
    public Dictionary<int, long> RequestedAt { get; } = [];

    /// <summary>Roots this transfer targeted before it moved to <see cref="Target"/>, newest first.</summary>
    public List<Digest> EarlierTargets { get; } = [];

    /// <summary>Peers that said they do not hold the target checkpoint.</summary>
    public HashSet<int> Unavailable { get; } = [];

    /// <summary>
    /// Snapshots at or above the target taken since the transfer began (the target's own, then checkpoints reached
    /// by executing on demand): an object verified later was not written since the target, so it is filled into
    /// them too, and they become complete with the transfer. Peers that fetch from them then get everything.
    /// </summary>
    public List<Snapshot> Filling { get; } = [];

    public int ObjectsFetched { get; set; }

    public long BytesFetched { get; set; }

    public int NextPeer { get; set; }

    /// <summary>Peers a request to went unanswered: at most one request at a time goes to each until it answers.</summary>
    public HashSet<int> Silent { get; } = [];

    /// <summary>Requests in flight to peers that answer: what the window (<see cref="BftOptions.FetchRequestsInFlight"/>) bounds.</summary>
    public int Outstanding => _inFlight.Where(p => !Silent.Contains(p.Key)).Sum(p => p.Value.Count);

    public int InFlightTo(int peer) => _inFlight.TryGetValue(peer, out var q) ? q.Count : 0;

    public void Sent(int peer, long tick)
    {
        if (!_inFlight.TryGetValue(peer, out var q))
        {
            q = new Queue<long>();
            _inFlight[peer] = q;
        }

        q.Enqueue(tick);
    }

    public void Answered(int peer)
    {
        if (_inFlight.TryGetValue(peer, out var q) && q.Count > 0)
        {
            q.Dequeue();
        }

        Silent.Remove(peer);
    }

    /// <summary>Requests sent before <paramref name="before"/> are lost: forgotten, and their peers silent.</summary>
    public void ExpireBefore(long before)
    {
        foreach (var (peer, q) in _inFlight)
        {
            while (q.Count > 0 && q.Peek() < before)
            {
                q.Dequeue();
                Silent.Add(peer);
            }
        }
    }

    /// <summary>Carries the requests in flight over to a transfer that replaces this one (their replies still count).</summary>
    public void TakeRequestsFrom(StateSync old)
    {
        foreach (var (peer, q) in old._inFlight)
        {
            _inFlight[peer] = new Queue<long>(q);
        }

        Silent.UnionWith(old.Silent);
        NextPeer = old.NextPeer;
    }

    /// <summary>The requests in flight are lost (the replica was paused): everything may be asked for again now.</summary>
    public void ForgetRequests()
    {
        _inFlight.Clear();
        Silent.Clear();
        RequestedAt.Clear();
    }
}
