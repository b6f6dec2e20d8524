using Roost.Core.Model;
using Roost.Core.Recovery;

namespace Roost.Core.Tests.Recovery;

/// <summary>
/// Failback's resynchronisation over seeded runs: random disks that differ in random blocks, sessions cut at random
/// steps (a dropped connection: both ends start again from the disks as they are) and blocks corrupted in transit.
/// Checked: no end ever reports finished while the disks differ; a clean session moves exactly the blocks that
/// differ at its start; the disks end equal, byte for byte.
/// </summary>
public sealed class ResyncPropertyTests
{
    private static readonly VmId _vm = new(3);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Resync_WithDropsAndCorruption_FinishesOnlyWhenEqual_AndMovesOnlyChangedBlocks(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 200; trial++)
        {
            const int BlockBytes = 512;
            var diskBytes = (random.Next(1, 40) * BlockBytes) - (random.Next(0, 2) * random.Next(1, BlockBytes));
            var plan = new ResyncPlan(diskBytes, BlockBytes);
            var source = new byte[diskBytes];
            random.NextBytes(source);
            var target = (byte[])source.Clone();
            for (var changes = random.Next(0, 6); changes > 0; changes--)
            {
                target[random.Next(diskBytes)] ^= (byte)random.Next(1, 256);
            }

            var finished = false;
            for (var session = 0; session < 12 && !finished; session++)
            {
                var faulty = session < 11 && random.Next(2) == 0;
                var differing = Differing(plan, source, target);
                var (done, sent) = RunSession(plan, source, target, faulty ? random : null);
                if (done)
                {
                    Assert.True(source.AsSpan().SequenceEqual(target), $"seed {seed} trial {trial} session {session}: finished with the disks different");
                    if (!faulty)
                    {
                        Assert.Equal(differing, sent);
                    }

                    finished = true;
                }
                else
                {
                    Assert.True(faulty, $"seed {seed} trial {trial} session {session}: a clean session did not finish");
                }
            }

            Assert.True(finished, $"seed {seed} trial {trial}: never finished");
        }
    }

    [Fact]
    public void Receiver_BlockOutsideOrOutOfOrder_Fails()
    {
        var plan = new ResyncPlan(4096, 512);
        var digests = Digests(plan, new byte[4096]);

        var outside = new ResyncReceiver(_vm, plan, digests).Handle(new ReplicationMessage.Write(_vm, 1, 4096, new byte[512]));
        var unaligned = new ResyncReceiver(_vm, plan, digests).Handle(new ReplicationMessage.Write(_vm, 1, 100, new byte[512]));
        var skipped = new ResyncReceiver(_vm, plan, digests).Handle(new ReplicationMessage.Write(_vm, 2, 0, new byte[512]));
        var otherVm = new ResyncReceiver(_vm, plan, digests).Handle(new ReplicationMessage.Write(new VmId(9), 1, 0, new byte[512]));

        Assert.All(new[] { outside, unaligned, skipped, otherVm }, o => Assert.IsType<ResyncOutput.Failed>(Assert.Single(o)));
    }

    /// <summary>One session between fresh machines over an ordered link; with <paramref name="faults"/> it may be cut or corrupt a block.</summary>
    private static (bool Finished, long Sent) RunSession(ResyncPlan plan, byte[] source, byte[] target, Random? faults)
    {
        var sender = new ResyncSender(_vm, plan, Digests(plan, source));
        var receiver = new ResyncReceiver(_vm, plan, Digests(plan, target));
        var toSender = new Queue<ReplicationMessage>();
        var toReceiver = new Queue<ReplicationMessage>();
        var cutAt = faults?.Next(0, 30) ?? int.MaxValue;
        var corruptAt = faults?.Next(0, 10) ?? -1;
        bool senderDone = false, receiverDone = false;
        foreach (var output in receiver.Start())
        {
            toSender.Enqueue(((ResyncOutput.Send)output).Message);
        }

        for (var step = 0; (toSender.Count > 0 || toReceiver.Count > 0) && step < 10_000; step++)
        {
            if (step == cutAt)
            {
                return (false, sender.BlocksSent);
            }

            if (toSender.TryDequeue(out var forSender))
            {
                foreach (var output in sender.Handle(forSender))
                {
                    switch (output)
                    {
                        case ResyncOutput.SendBlock block:
                            var data = source.AsSpan((int)(block.Block * plan.BlockBytes), plan.LengthOf(block.Block)).ToArray();
                            if (block.Sequence - 1 == corruptAt)
                            {
                                data[0] ^= 0xFF;
                            }

                            toReceiver.Enqueue(sender.BlockWrite(block.Block, block.Sequence, data));
                            break;
                        case ResyncOutput.Send send:
                            toReceiver.Enqueue(send.Message);
                            break;
                        case ResyncOutput.Finished:
                            senderDone = true;
                            break;
                        case ResyncOutput.Failed:
                            return (false, sender.BlocksSent);
                    }
                }
            }

            if (toReceiver.TryDequeue(out var forReceiver))
            {
                foreach (var output in receiver.Handle(forReceiver))
                {
                    switch (output)
                    {
                        case ResyncOutput.WriteBlock write:
                            write.Data.Span.CopyTo(target.AsSpan((int)write.Offset));
                            break;
                        case ResyncOutput.Send send:
                            toSender.Enqueue(send.Message);
                            break;
                        case ResyncOutput.Finished:
                            receiverDone = true;
                            break;
                        case ResyncOutput.Failed:
                            return (false, sender.BlocksSent);
                    }
                }
            }
        }

        Assert.Equal(senderDone, receiverDone);
        return (senderDone, sender.BlocksSent);
    }

    private static long Differing(ResyncPlan plan, byte[] a, byte[] b) =>
        Enumerable.Range(0, (int)plan.Blocks).LongCount(i => !a.AsSpan(i * plan.BlockBytes, plan.LengthOf(i)).SequenceEqual(b.AsSpan(i * plan.BlockBytes, plan.LengthOf(i))));

    private static byte[] Digests(ResyncPlan plan, byte[] disk)
    {
        var digests = new byte[plan.Blocks * ResyncPlan.DigestBytes];
        for (var i = 0L; i < plan.Blocks; i++)
        {
            ResyncPlan.Digest(disk.AsSpan((int)(i * plan.BlockBytes), plan.LengthOf(i)), digests.AsSpan((int)(i * ResyncPlan.DigestBytes), ResyncPlan.DigestBytes));
        }

        return digests;
    }
}
