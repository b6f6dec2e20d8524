using System.Globalization;
using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// Failback's receiving end (the recovered primary site, whose disk is the one it had when it was lost), sans-I/O. It
/// sends the digests of its blocks; the <see cref="ResyncSender"/> (the cloud site, whose disk is current) answers
/// with the blocks that differ as writes numbered 1, 2, … in order, then its own digests; the receiver writes each
/// block, and finishes (acking how many it applied) only if afterwards every block's digest equals the sender's.
/// Writes outside the disk, of another length than their block, out of order or for another VM end the session
/// (<see cref="ResyncOutput.Failed"/>); a session that fails or drops can simply be started again (writing a block
/// twice is harmless). Memory: the disk's digests (32 bytes a block) and one block.
/// </summary>
public sealed class ResyncReceiver
{
    private readonly VmId _vm;
    private readonly ResyncPlan _plan;
    private readonly byte[] _digests;
    private long _nextSequence = 1;
    private long _checkedThrough;
    private bool _over;

    /// <summary>Starts a session for <paramref name="vm"/>'s disk of <paramref name="plan"/>, whose block digests (<see cref="ResyncPlan.Digest"/>, 32 bytes a block, in order) are <paramref name="digests"/>.</summary>
    public ResyncReceiver(VmId vm, ResyncPlan plan, byte[] digests)
    {
        _digests = ResyncPlan.CopyOfDigests(plan, digests);
        _vm = vm;
        _plan = plan;
    }

    /// <summary>Blocks written so far.</summary>
    public long Applied => _nextSequence - 1;

    /// <summary>The session's first outputs: this disk's digests.</summary>
    public IReadOnlyList<ResyncOutput> Start() => [.. _plan.Messages(_vm, _digests).Select(m => new ResyncOutput.Send(m))];

    public IReadOnlyList<ResyncOutput> Handle(ReplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_over)
        {
            return [];
        }

        return message switch
        {
            ReplicationMessage.Write write => OnBlock(write),
            ReplicationMessage.BlockDigests digests => OnDigests(digests),
            _ => Fail($"a {message.GetType().Name} message in a resynchronisation"),
        };
    }

    private IReadOnlyList<ResyncOutput> OnBlock(ReplicationMessage.Write write)
    {
        var block = write.Offset / _plan.BlockBytes;
        if (write.Vm != _vm || write.Sequence != _nextSequence || _checkedThrough > 0
            || write.Offset < 0 || write.Offset % _plan.BlockBytes != 0 || block >= _plan.Blocks || write.Data.Length != _plan.LengthOf(block))
        {
            return Fail(string.Create(CultureInfo.InvariantCulture, $"block write {write.Sequence} of {write.Vm} ({write.Data.Length} bytes at {write.Offset}) is not the next whole block of {_vm}'s disk"));
        }

        _nextSequence++;
        ResyncPlan.Digest(write.Data.Span, _digests.AsSpan((int)(block * ResyncPlan.DigestBytes), ResyncPlan.DigestBytes));
        return [new ResyncOutput.WriteBlock(write.Offset, write.Data)];
    }

    private IReadOnlyList<ResyncOutput> OnDigests(ReplicationMessage.BlockDigests digests)
    {
        if (_plan.Check(_vm, digests, _checkedThrough) is { } wrong)
        {
            return Fail(wrong);
        }

        var mine = _digests.AsSpan((int)(_checkedThrough * ResyncPlan.DigestBytes), digests.Digests.Length);
        if (!mine.SequenceEqual(digests.Digests.Span))
        {
            var first = 0;
            while (mine.Slice(first * ResyncPlan.DigestBytes, ResyncPlan.DigestBytes).SequenceEqual(digests.Digests.Span.Slice(first * ResyncPlan.DigestBytes, ResyncPlan.DigestBytes)))
            {
                first++;
            }

            return Fail(string.Create(CultureInfo.InvariantCulture, $"block {_checkedThrough + first} still differs from the sender's after the resynchronisation"));
        }

        _checkedThrough += digests.Digests.Length / ResyncPlan.DigestBytes;
        if (_checkedThrough < _plan.Blocks)
        {
            return [];
        }

        _over = true;
        return [new ResyncOutput.Send(new ReplicationMessage.Ack(_vm, Applied)), new ResyncOutput.Finished(Applied)];
    }

    private IReadOnlyList<ResyncOutput> Fail(string reason)
    {
        _over = true;
        return [new ResyncOutput.Failed(reason)];
    }
}
