using Roost.Bft.Crypto;
using Roost.Bft.Messages;

namespace Roost.Bft.Clients;

/// <summary>
/// A client: one outstanding request at a time (PBFT's model), sent to the primary it believes in, retransmitted to
/// every agreement replica on timeout, or at once when every active executor has answered and no f+1 agree. It accepts a result once f+1 distinct execution replicas sent the same one:
/// at least one of them is correct, whatever the mode (f+1 active under ZZ, 2f+1 in the baseline). The next request
/// carries a blame mask naming replicas whose reply disagreed, a hint for the ZZ controller.
/// </summary>
public sealed class Client : IProtocolNode
{
    private readonly BftOptions _options;
    private readonly Keyring _keyring;
    private readonly int _index;
    private readonly Dictionary<int, (byte[] Result, long View)> _replies = [];
    private List<Output> _out = [];
    private long _timestamp;
    private long _view;
    private ClientRequest? _current;
    private ulong _blame;
    private bool _retransmittedOnConflict;

    public Client(int index, BftOptions options, Keyring keyring)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(keyring);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        _options = options.Validated();
        _keyring = keyring;
        _index = index;
        Id = NodeId.Client(index);
    }

    public NodeId Id { get; }

    public bool IsIdle => _current is null;

    public long Timestamp => _timestamp;

    public IReadOnlyList<Output> Handle(Input input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _out = [];
        switch (input)
        {
            case Input.Submit { Operation: var operation }:
                Submit(operation);
                break;
            case Input.Receive { From.Role: NodeRole.Execution, From.Index: var from, Message: Reply reply }:
                OnReply(from, reply);
                break;
            case Input.TimerExpired { Kind: TimerKind.Retransmit } when _current is not null:
                Retransmit(_current);
                break;
            case Input.Start when _current is not null:
                _out.Add(new Output.SetTimer(TimerKind.Retransmit, _options.ClientRetransmit));
                break;
            default:
                break;
        }

        return _out;
    }

    private void Submit(byte[] operation)
    {
        if (_current is not null)
        {
            throw new InvalidOperationException($"client {_index} already has request {_current.Timestamp} outstanding");
        }

        _timestamp++;
        var digest = new ClientRequest(_index, _timestamp, operation, _blame, []).Digest;
        _current = new ClientRequest(_index, _timestamp, operation, _blame, RequestAuthenticator.Create(_keyring, _index, digest, _options.AgreementReplicas));
        _blame = 0;
        _replies.Clear();
        _retransmittedOnConflict = false;
        _out.Add(new Output.Send(NodeId.Agreement((int)(_view % _options.AgreementReplicas)), new RequestMessage(_current)));
        _out.Add(new Output.SetTimer(TimerKind.Retransmit, _options.ClientRetransmit));
    }

    private void OnReply(int from, Reply reply)
    {
        if (_current is null || reply.Client != _index || reply.Timestamp != _current.Timestamp || from >= _options.ExecutionReplicas)
        {
            return;
        }

        _replies[from] = (reply.Result, reply.View);
        var matching = _replies.Where(r => r.Value.Result.AsSpan().SequenceEqual(reply.Result)).ToList();
        if (matching.Count < _options.WeakQuorum)
        {
            // Every active executor has answered and no f+1 agree: one lies and, under ZZ, the others sleep, so no
            // more replies come until the agreement replicas hear of it. Retransmitting now (once per request)
            // instead of at the timer wakes the sleepers and has them resend their cached reply (ZZ §4).
            if (!_retransmittedOnConflict && _replies.Count >= _options.ActiveExecutionReplicas)
            {
                _retransmittedOnConflict = true;
                Retransmit(_current);
            }

            return;
        }

        // The view f+1 of the accepted replies report (or higher) is one a correct replica has seen.
        var views = matching.Select(r => r.Value.View).OrderDescending().ToList();
        _view = Math.Max(_view, views[_options.WeakQuorum - 1]);
        foreach (var (replica, (result, _)) in _replies)
        {
            if (!result.AsSpan().SequenceEqual(reply.Result))
            {
                _blame |= 1UL << replica;
            }
        }

        var operation = _current.Operation;
        _current = null;
        _out.Add(new Output.CancelTimer(TimerKind.Retransmit));
        _out.Add(new Output.Notice(new ProtocolEvent.Delivered(Id, _timestamp, operation, reply.Result)));
    }

    /// <summary>Sends the request to every agreement replica and restarts the retransmission timer.</summary>
    private void Retransmit(ClientRequest request)
    {
        for (var i = 0; i < _options.AgreementReplicas; i++)
        {
            _out.Add(new Output.Send(NodeId.Agreement(i), new RequestMessage(request)));
        }

        _out.Add(new Output.SetTimer(TimerKind.Retransmit, _options.ClientRetransmit));
    }
}
