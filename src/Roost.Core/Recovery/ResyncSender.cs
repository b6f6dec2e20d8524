using System.Globalization;
using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// Failback's sending end (the cloud site, whose disk is current), sans-I/O: it takes the receiver's block digests,
/// asks its host to send every block whose digest differs from its own (<see cref="ResyncOutput.SendBlock"/>, as
/// writes numbered 1, 2, …), then sends its own digests, and finishes when the receiver acknowledges exactly that
/// many blocks (the receiver acks only when every block then matches). Only changed blocks cross the link, plus 32
/// bytes of digest a block each way. See <see cref="ResyncReceiver"/>.
/// </summary>
public sealed class ResyncSender
{
    private readonly VmId _vm;
    private readonly ResyncPlan _plan;
    private readonly byte[] _digests;
    private long _received;
    private long _sent;
    private bool _awaitingAck;
    private bool _over;

    /// <summary>Starts a session for <paramref name="vm"/>'s disk of <paramref name="plan"/>, whose block digests (32 bytes a block, in order) are <paramref name="digests"/>.</summary>
    public ResyncSender(VmId vm, ResyncPlan plan, byte[] digests)
    {
        _digests = ResyncPlan.CopyOfDigests(plan, digests);
        _vm = vm;
        _plan = plan;
    }

    /// <summary>Blocks sent so far (the changed ones).</summary>
    public long BlocksSent => _sent;

    /// <summary>The write that carries block <paramref name="block"/> (its bytes read by the host) as write <paramref name="sequence"/>.</summary>
    public ReplicationMessage.Write BlockWrite(long block, long sequence, ReadOnlyMemory<byte> data) =>
        data.Length == _plan.LengthOf(block)
            ? new ReplicationMessage.Write(_vm, sequence, block * _plan.BlockBytes, data)
            : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"block {block} has {_plan.LengthOf(block)} bytes, not {data.Length}"), nameof(data));

    public IReadOnlyList<ResyncOutput> Handle(ReplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_over)
        {
            return [];
        }

        switch (message)
        {
            case ReplicationMessage.BlockDigests digests when !_awaitingAck:
                return OnDigests(digests);
            case ReplicationMessage.Ack ack when _awaitingAck && ack.Vm == _vm && ack.DurableThrough == _sent:
                _over = true;
                return [new ResyncOutput.Finished(_sent)];
            default:
                _over = true;
                return [new ResyncOutput.Failed($"unexpected {message} from the receiver")];
        }
    }

    private List<ResyncOutput> OnDigests(ReplicationMessage.BlockDigests digests)
    {
        if (_plan.Check(_vm, digests, _received) is { } wrong)
        {
            _over = true;
            return [new ResyncOutput.Failed(wrong)];
        }

        var outputs = new List<ResyncOutput>();
        var theirs = digests.Digests.Span;
        for (var i = 0; i < theirs.Length / ResyncPlan.DigestBytes; i++)
        {
            var block = _received + i;
            if (!theirs.Slice(i * ResyncPlan.DigestBytes, ResyncPlan.DigestBytes).SequenceEqual(_digests.AsSpan((int)(block * ResyncPlan.DigestBytes), ResyncPlan.DigestBytes)))
            {
                outputs.Add(new ResyncOutput.SendBlock(block, ++_sent));
            }
        }

        _received += theirs.Length / ResyncPlan.DigestBytes;
        if (_received == _plan.Blocks)
        {
            _awaitingAck = true;
            outputs.AddRange(_plan.Messages(_vm, _digests).Select(m => new ResyncOutput.Send(m)));
        }

        return outputs;
    }
}
