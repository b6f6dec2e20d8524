using Roost.Bft.Messages;
using Roost.Bft.Services;

namespace Roost.Bft.Execution;

/// <summary>
/// One of the 2f+1 execution replicas. It executes batches in sequence order once f+1 agreement replicas say they
/// committed the same digest, replies to clients, reports reply digests and checkpoints (Merkle roots every K
/// sequence numbers) to the agreement replicas, and obeys the ZZ controller: asleep it does nothing (a paused VM);
/// woken it starts from the last certified checkpoint and fetches on demand what it touches. It also catches up
/// when it lags (log replay, or state transfer plus replay when the log is gone), audits its state for silent
/// corruption and repairs what it finds. Sans-I/O. Partial files: execution, control, state transfer, audit.
/// </summary>
public sealed partial class ExecutionReplica : IProtocolNode
{
    private readonly BftOptions _options;
    private readonly int _index;
    private readonly int _f;
    private readonly RequestExecutor _executor;
    private readonly StateGenesis _genesis;
    private readonly StateStore _store;
    private MerkleTree _tree;
    private List<Output> _out = [];
    private bool _awake;
    private bool _resuming;
    private int _generation;
    private long _tick;

    public ExecutionReplica(int index, BftOptions options, IReplicatedService service, StateGenesis genesis)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(genesis);
        _options = options.Validated();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, options.ExecutionReplicas);
        _index = index;
        _f = options.F;
        _executor = new RequestExecutor(service, options.ReplyCacheObjects);
        if (genesis.ObjectCount != _executor.ObjectCount)
        {
            throw new ArgumentException("the genesis state was built for another service or reply-cache size", nameof(genesis));
        }

        _genesis = genesis;
        _store = new StateStore((byte[][])genesis.Objects.Clone());
        _tree = genesis.Tree.Clone();
        _awake = index < options.ActiveExecutionReplicas;
        Id = NodeId.Execution(index);
    }

    public NodeId Id { get; }

    public bool IsAwake => _awake;

    public int Generation => _generation;

    public long Executed => _executed;

    public bool IsSyncing => _sync is not null;

    /// <summary>Checkpoint snapshots kept (to answer peers' state transfers).</summary>
    internal int SnapshotsKept => _snapshots.Count;

    /// <summary>Snapshots the transfer in progress fills as it verifies objects (0 when none is in progress).</summary>
    internal int SnapshotsFilled => _sync?.Filling.Count ?? 0;

    /// <summary>Merkle root of the state at the last checkpoint.</summary>
    public Digest Root => _tree.Root;

    /// <summary>One line of state for replays with --trace.</summary>
    public string DescribeState() => $"{(_awake ? "awake" : _resuming ? "resuming" : "asleep")} g{_generation} executed {_executed} certified {_certified.Sequence} snapshots [{string.Join(",", _snapshots.Select(x => x.Sequence))}]"
        + (_sync is { } sync ? $" syncing to {sync.Target.Sequence} ({_unverified} unverified, wanted {sync.Wanted.Count}, frontier {sync.Frontier.Count}, unavailable [{string.Join(",", sync.Unavailable)}], outstanding {sync.Outstanding}, silent [{string.Join(",", sync.Silent.Order())}], in flight to e0.. [{string.Join(",", Enumerable.Range(0, _options.ExecutionReplicas).Select(sync.InFlightTo))}], on demand {sync.OnDemand.Count})" : "")
        + (_catchingUp ? " catching-up" : "");

    public IReadOnlyList<Output> Handle(Input input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _out = [];
        switch (input)
        {
            case Input.Start:
                if (_awake)
                {
                    ArmTimers();
                }
                else if (_resuming)
                {
                    SetTimer(TimerKind.Resume, _options.ResumeDelay);
                }

                break;
            case Input.Receive { From: var from, Message: var message }:
                Receive(from, message);
                break;
            case Input.TimerExpired { Kind: var kind }:
                OnTimer(kind);
                break;
            default:
                break;
        }

        return _out;
    }

    /// <summary>Silent corruption, for the simulator: replaces an object's bytes without updating any digest.</summary>
    internal void CorruptForTesting(int index, byte[] content) => _store.CorruptForTesting(index, content);

    internal int ObjectCount => _store.Count;

    /// <summary>True when every object's content hashes to its leaf in the current tree (dirty objects aside).</summary>
    internal bool StateMatchesTree()
    {
        for (var k = 0; k < _store.Count; k++)
        {
            if (!_store.Dirty.Contains(k) && _tree.IsLeafKnown(k) && MerkleTree.LeafHash(k, _store.Get(k)) != _tree.Leaf(k))
            {
                return false;
            }
        }

        return true;
    }

    private void Receive(NodeId from, Message message)
    {
        if (from.Role == NodeRole.Agreement && from.Index < _options.AgreementReplicas && message is Control control)
        {
            OnControl(from.Index, control);
            return;
        }

        if (!_awake)
        {
            // A sleeper drops what arrives, except a request to resend a reply: the agreement replicas send it right
            // after they wake this replica, and it may come before the f+1 wake commands that wake it.
            if (from.Role == NodeRole.Agreement && from.Index < _options.AgreementReplicas && message is ResendReply resend)
            {
                KeepResend(resend);
            }

            return;
        }

        switch (from.Role)
        {
            case NodeRole.Agreement when from.Index < _options.AgreementReplicas:
                ReceiveFromAgreement(from.Index, message);
                break;
            case NodeRole.Execution when from.Index != _index && from.Index < _options.ExecutionReplicas:
                ReceiveFromPeer(from.Index, message);
                break;
            default:
                break;
        }
    }

    private void ReceiveFromAgreement(int replica, Message message)
    {
        switch (message)
        {
            case Ordered m:
                OnOrdered(replica, m);
                break;
            case SyncReply m:
                OnSyncReply(replica, m);
                break;
            case BatchReply m:
                OnBatch(m.Sequence, m.Batch);
                TryExecute();
                break;
            case ResendReply m:
                OnResendReply(m);
                break;
            default:
                break;
        }
    }

    private void ReceiveFromPeer(int peer, Message message)
    {
        switch (message)
        {
            case StateRequest m:
                OnStateRequest(peer, m);
                break;
            case StateReply m:
                OnStateReply(peer, m);
                break;
            case ObjectRequest m:
                OnObjectRequest(peer, m);
                break;
            case ObjectReply m:
                OnObjectReply(m);
                break;
            default:
                break;
        }
    }

    private void OnTimer(TimerKind kind)
    {
        switch (kind)
        {
            case TimerKind.Resume:
                Resume();
                break;
            case TimerKind.Fetch when _awake:
                _tick++;
                FetchTick();
                SetTimer(TimerKind.Fetch, _options.RetransmitInterval);
                break;
            case TimerKind.Audit when _awake:
                AuditTick();
                SetTimer(TimerKind.Audit, _options.AuditInterval);
                break;
            default:
                break;
        }
    }

    private void ArmTimers()
    {
        SetTimer(TimerKind.Fetch, _options.RetransmitInterval);
        SetTimer(TimerKind.Audit, _options.AuditInterval);
    }

    private void Send(NodeId to, Message message) => _out.Add(new Output.Send(to, message));

    private void SendToAgreement(Message message)
    {
        for (var i = 0; i < _options.AgreementReplicas; i++)
        {
            _out.Add(new Output.Send(NodeId.Agreement(i), message));
        }
    }

    private void SetTimer(TimerKind kind, TimeSpan after) => _out.Add(new Output.SetTimer(kind, after));

    private void Notice(ProtocolEvent e) => _out.Add(new Output.Notice(e));
}
