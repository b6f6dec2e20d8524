using Roost.Bft.Crypto;
using Roost.Bft.Messages;

namespace Roost.Bft.Agreement;

/// <summary>
/// One of the 3f+1 agreement replicas: orders client requests with PBFT (Castro &amp; Liskov, OSDI'99 / TOCS 2002):
/// pre-prepare, prepare, commit; batching; checkpoints and log garbage collection with watermarks; view changes
/// on a faulty or slow primary. It does not execute: committed batches go to the execution replicas
/// (<see cref="Ordered"/>), as in separated agreement and execution (Yin et al., SOSP 2003) and ZZ, and its
/// <see cref="ExecutionController"/> watches their replies. Sans-I/O: <see cref="Handle"/> only.
/// Partial files: normal case, checkpoints, view change, execution-facing messages.
/// </summary>
public sealed partial class AgreementReplica : IProtocolNode
{
    private readonly BftOptions _options;
    private readonly int _index;
    private readonly int _n;
    private readonly int _f;
    private readonly Keyring _keyring;
    private readonly ISignatureScheme _signatures;
    private readonly ExecutionController _controller;
    private readonly Dictionary<long, Slot> _slots = [];
    private readonly Dictionary<int, long> _lastOrdered = [];
    private readonly SortedDictionary<int, long> _waiting = [];
    private List<Output> _out = [];

    public AgreementReplica(int index, BftOptions options, Keyring keyring, ISignatureScheme signatures)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(keyring);
        ArgumentNullException.ThrowIfNull(signatures);
        _options = options.Validated();
        _n = options.AgreementReplicas;
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _n);
        _index = index;
        _f = options.F;
        _keyring = keyring;
        _signatures = signatures;
        _controller = new ExecutionController(options);
        Id = NodeId.Agreement(index);
        _certified[0] = Digest.None;
    }

    public NodeId Id { get; }

    public long View => _view;

    public bool InViewChange => _inViewChange;

    public long StableSequence => _stable;

    public bool IsPrimary => Primary(_view) == _index;

    /// <summary>Execution replicas this replica believes awake (for tests and the runner's status).</summary>
    public IReadOnlyList<int> AwakeExecutors => _controller.Awake();

    /// <summary>One line of state for replays with --trace: view, stable checkpoint, commits, controller beliefs.</summary>
    public string DescribeState() => $"view {_view}{(_inViewChange ? " (changing)" : "")} stable {_stable} committed {_committedUpTo}; {_controller.Describe()}";

    public IReadOnlyList<Output> Handle(Input input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _out = [];
        switch (input)
        {
            case Input.Start:
                SetTimer(TimerKind.Retransmit, _options.RetransmitInterval);
                SetTimer(TimerKind.ExecutionWatch, _options.ExecutionWatchInterval);
                if (_waiting.Count > 0 || _inViewChange)
                {
                    StartRequestTimer();
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

    private void Receive(NodeId from, Message message)
    {
        switch (from.Role)
        {
            case NodeRole.Client when message is RequestMessage m:
                OnRequest(from, m.Request);
                break;
            case NodeRole.Agreement when from.Index != _index && from.Index < _n:
                ReceiveFromReplica(from.Index, message);
                break;
            case NodeRole.Execution when from.Index < _options.ExecutionReplicas:
                ReceiveFromExecutor(from.Index, message);
                break;
            default:
                break;
        }
    }

    private void ReceiveFromReplica(int from, Message message)
    {
        switch (message)
        {
            case PrePrepare m:
                OnPrePrepare(from, m);
                break;
            case Prepare m:
                OnPrepare(from, m);
                break;
            case Commit m:
                OnCommit(from, m);
                break;
            case Checkpoint m:
                OnCheckpoint(from, m);
                break;
            case ViewChange m:
                OnViewChange(from, m);
                break;
            case NewView m:
                OnNewView(from, m);
                break;
            case NewViewRequest m:
                OnNewViewRequest(from, m);
                break;
            case BatchRequest m:
                OnBatchRequest(NodeId.Agreement(from), m);
                break;
            case BatchReply m:
                OnBatchReply(m);
                break;
            default:
                break;
        }
    }

    private void OnTimer(TimerKind kind)
    {
        switch (kind)
        {
            case TimerKind.Retransmit:
                Retransmit();
                SetTimer(TimerKind.Retransmit, _options.RetransmitInterval);
                break;
            case TimerKind.ExecutionWatch:
                _controller.OnTick(_out, Id);
                SetTimer(TimerKind.ExecutionWatch, _options.ExecutionWatchInterval);
                break;
            case TimerKind.ViewChange:
                _requestTimerRunning = false;
                if (_inViewChange)
                {
                    StartViewChange(_view + 1);
                }
                else if (_waiting.Count > 0)
                {
                    StartViewChange(_view + 1);
                }

                break;
            default:
                break;
        }
    }

    private int Primary(long view) => (int)(view % _n);

    private long LastOrdered(int client) => _lastOrdered.TryGetValue(client, out var ts) ? ts : 0;

    private Slot GetSlot(long sequence)
    {
        if (!_slots.TryGetValue(sequence, out var slot))
        {
            slot = new Slot(sequence);
            _slots[sequence] = slot;
        }

        return slot;
    }

    private bool InWindow(long sequence) => sequence > _stable && sequence <= _stable + _options.Window;

    private void Send(NodeId to, Message message) => _out.Add(new Output.Send(to, message));

    private void BroadcastReplicas(Message message)
    {
        for (var i = 0; i < _n; i++)
        {
            if (i != _index)
            {
                _out.Add(new Output.Send(NodeId.Agreement(i), message));
            }
        }
    }

    private void SetTimer(TimerKind kind, TimeSpan after) => _out.Add(new Output.SetTimer(kind, after));

    private void Notice(ProtocolEvent e) => _out.Add(new Output.Notice(e));
}
