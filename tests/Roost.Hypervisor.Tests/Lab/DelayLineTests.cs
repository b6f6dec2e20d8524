using Roost.Hypervisor.Lab.Relay;

namespace Roost.Hypervisor.Tests.Lab;

public sealed class DelayLineTests
{
    private static readonly TimeSpan _delay = TimeSpan.FromMilliseconds(20);

    [Fact]
    public void Frame_LeavesOnlyOnceTheDelayHasPassed()
    {
        var time = new ManualTimeProvider();
        var line = new DelayLine(_delay, 10_000, time);
        var buffer = new byte[2048];

        Assert.True(line.TryEnqueue(Frame(1, 100)));
        time.Advance(_delay - TimeSpan.FromTicks(1));
        var early = line.TryDequeueDue(buffer);
        time.Advance(TimeSpan.FromTicks(1));
        var due = line.TryDequeueDue(buffer);

        Assert.Equal(0, early);
        Assert.Equal(100, due);
        Assert.Equal(Frame(1, 100), buffer[..100]);
        Assert.Equal(0, line.QueuedBytes);
    }

    [Fact]
    public void UntilNextDue_CountsDownToTheOldestFrame()
    {
        var time = new ManualTimeProvider();
        var line = new DelayLine(_delay, 10_000, time);

        var empty = line.UntilNextDue();
        line.TryEnqueue(Frame(1, 60));
        time.Advance(TimeSpan.FromMilliseconds(5));
        line.TryEnqueue(Frame(2, 60));
        var first = line.UntilNextDue();
        time.Advance(TimeSpan.FromMilliseconds(30));
        var late = line.UntilNextDue();

        Assert.Null(empty);
        Assert.Equal(TimeSpan.FromMilliseconds(15), first);
        Assert.Equal(TimeSpan.Zero, late);
    }

    [Fact]
    public void ZeroDelay_ForwardsAtOnce()
    {
        var time = new ManualTimeProvider();
        var line = new DelayLine(TimeSpan.Zero, 10_000, time);
        var buffer = new byte[2048];

        line.TryEnqueue(Frame(7, 64));

        Assert.Equal(64, line.TryDequeueDue(buffer));
    }

    [Fact]
    public void Full_DropsTheTailAndCountsIt_ThenAcceptsAgainOnceDrained()
    {
        var time = new ManualTimeProvider();
        var line = new DelayLine(_delay, 1000, time);
        var buffer = new byte[2048];

        var accepted = Enumerable.Range(0, 4).Select(i => line.TryEnqueue(Frame(i, 300))).ToList();
        time.Advance(_delay);
        line.TryDequeueDue(buffer);
        var afterDrain = line.TryEnqueue(Frame(9, 300));

        Assert.Equal([true, true, true, false], accepted);
        Assert.Equal((1L, 300L), (line.DroppedFrames, line.DroppedBytes));
        Assert.True(afterDrain);
        Assert.Equal(900, line.PeakQueuedBytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RandomTraffic_FramesLeaveInOrder_NeverEarly_WithinTheBound_AndNoneIsLost(int seed)
    {
        var random = new Random(seed);
        var time = new ManualTimeProvider();
        var capacity = random.Next(2_000, 20_000);
        var line = new DelayLine(TimeSpan.FromMicroseconds(random.Next(0, 50_000)), capacity, time);
        var sent = new Queue<(int Id, DateTimeOffset At)>();
        var buffer = new byte[2048];
        int received = 0, next = 0;

        for (var step = 0; step < 5_000; step++)
        {
            time.Advance(TimeSpan.FromMicroseconds(random.Next(0, 2_000)));
            for (var burst = random.Next(0, 4); burst > 0; burst--)
            {
                if (line.TryEnqueue(Frame(next, random.Next(60, 1515))))
                {
                    sent.Enqueue((next, time.GetUtcNow()));
                }

                next++;
            }

            Assert.True(line.QueuedBytes <= capacity, $"seed {seed}: {line.QueuedBytes} bytes held, bound {capacity}");
            int length;
            while ((length = line.TryDequeueDue(buffer)) > 0)
            {
                var (id, at) = sent.Dequeue();
                Assert.Equal(id, BitConverter.ToInt32(buffer, 0));
                Assert.True(time.GetUtcNow() - at >= line.Delay, $"seed {seed}: frame {id} left after {time.GetUtcNow() - at}");
                received++;
            }
        }

        Assert.Equal(next, received + line.DroppedFrames + line.QueuedFrames);
    }

    private static byte[] Frame(int id, int length)
    {
        var frame = new byte[length];
        BitConverter.GetBytes(id).CopyTo(frame, 0);
        frame[^1] = unchecked((byte)id);
        return frame;
    }
}
