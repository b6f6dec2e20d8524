using Roost.Bft.Crypto;
using Roost.Bft.Messages;

namespace Roost.Bft.Simulation;

/// <summary>
/// Turns a correct node's outputs into a Byzantine node's: the node runs the real protocol code and this rewrites
/// what it sends. It holds only its own node's signature scheme, so like a real adversary it can sign lies as
/// itself but cannot forge another node's messages (the transport's pairwise MACs stop that; the simulator models
/// them by delivering each message with its true sender).
/// </summary>
internal sealed class ByzantineBehaviour
{
    private readonly NodeId _self;
    private readonly FaultKinds _faults;
    private readonly SimRandom _random;
    private readonly ISignatureScheme _signatures;
    private readonly BftOptions _options;
    private readonly List<Output.Send> _sent = [];
    private readonly long _activeFrom;
    private readonly double _replyProbability;
    private readonly double _reportProbability;

    public ByzantineBehaviour(NodeId self, FaultKinds faults, SimRandom random, ISignatureScheme signatures, BftOptions options, long activeFrom = 0, double? wrongReplyProbability = null)
    {
        _activeFrom = activeFrom;
        _replyProbability = wrongReplyProbability ?? 0.6;
        _reportProbability = wrongReplyProbability ?? 0.3;
        _self = self;
        _faults = faults;
        _random = random;
        _signatures = signatures;
        _options = options;
    }

    /// <summary>Time (simulated µs) of the first reply this node falsified, for the recovery measurement.</summary>
    public long FirstBadReplyAt { get; private set; } = -1;

    public IReadOnlyList<Output> Rewrite(IReadOnlyList<Output> outputs, long now)
    {
        if (now < _activeFrom)
        {
            return outputs;
        }

        var result = new List<Output>(outputs.Count + 2);
        foreach (var output in outputs)
        {
            if (output is not Output.Send send)
            {
                result.Add(output);
                continue;
            }

            if (_activeFrom == 0 && _random.Chance(0.05))
            {
                continue;
            }

            var rewritten = Rewrite(send, now);

            // Equivocation: the primary's pre-prepare goes out in two versions, one to each half of the backups.
            if (rewritten.Message is PrePrepare pp && Has(FaultKinds.EquivocatingPrimary) && send.To.Index % 2 == 1)
            {
                rewritten = rewritten with { Message = pp with { Batch = Variant(pp.Batch) } };
            }

            result.Add(rewritten);
            if (_sent.Count < 256)
            {
                _sent.Add(rewritten);
            }
            else
            {
                _sent[_random.Next(_sent.Count)] = rewritten;
            }
        }

        if (Has(FaultKinds.Replay) && _sent.Count > 0 && _random.Chance(0.1))
        {
            result.Add(_sent[_random.Next(_sent.Count)]);
        }

        return result;
    }

    private bool Has(FaultKinds kind) => (_faults & kind) != 0;

    private Output.Send Rewrite(Output.Send send, long now)
    {
        var wrongDigests = Has(FaultKinds.WrongDigests) && _random.Chance(0.3);
        Message message = send.Message switch
        {
            Reply m when Has(FaultKinds.WrongReplies) && _random.Chance(_replyProbability) => BadReply(m, now),
            ExecReport m when Has(FaultKinds.WrongReplies) && _random.Chance(_reportProbability) => m with { Replies = RandomDigest() },
            ExecCheckpoint m when wrongDigests => m with { State = RandomDigest() },
            StateReply m when wrongDigests => BadState(m),
            ObjectReply m when wrongDigests => m with { Content = RandomBytes(8) },
            Prepare m when wrongDigests => m with { Digest = RandomDigest() },
            Commit m when wrongDigests => m with { Digest = RandomDigest() },
            Checkpoint m when wrongDigests => m with { State = RandomDigest() },
            Ordered m when wrongDigests => m with { Digest = RandomDigest(), CertifiedState = RandomDigest() },
            SyncReply m when wrongDigests => m with { Entries = [.. m.Entries.Select(e => e with { Digest = RandomDigest() })], Certified = [.. m.Certified.Select(c => c with { State = RandomDigest() })] },
            ViewChange m when wrongDigests => LyingViewChange(m),
            var m => m,
        };

        return send with { Message = message };
    }

    private Reply BadReply(Reply m, long now)
    {
        if (FirstBadReplyAt < 0)
        {
            FirstBadReplyAt = now;
        }

        return m with { Result = RandomBytes(1 + _random.Next(8)) };
    }

    private StateReply BadState(StateReply m) => m with
    {
        Nodes = [.. m.Nodes.Select(n => n with { Left = RandomDigest() })],
        Objects = [.. m.Objects.Select(o => o with { Content = RandomBytes(4) })],
    };

    /// <summary>A view-change message claiming a prepared certificate that does not exist, signed by this node.</summary>
    private ViewChange LyingViewChange(ViewChange m)
    {
        var sequence = m.StableSequence + 1 + _random.Next(_options.Window);
        var fake = new SlotEntry(sequence, RandomDigest(), m.NewView - 1);
        var prepared = m.Prepared.Where(e => e.Sequence != sequence).Append(fake).OrderBy(e => e.Sequence).ToList();
        var prePrepared = m.PrePrepared.Append(fake).ToList();
        var unsigned = m with { Prepared = prepared, PrePrepared = prePrepared, Signature = [] };
        return unsigned with { Signature = _signatures.Sign(unsigned.SignedBytes()) };
    }

    /// <summary>Another valid batch for the same slot: the requests reversed, or none.</summary>
    private static Batch Variant(Batch batch) =>
        batch.Requests.Count > 1 ? new Batch([.. batch.Requests.Reverse()]) : batch.Requests.Count == 1 ? Batch.Empty : batch;

    private Digest RandomDigest() => new(_random.NextUInt64() | 1, _random.NextUInt64(), _random.NextUInt64(), _random.NextUInt64());

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    public override string ToString() => $"byzantine {_self}";
}
