using Roost.Core.Model;
using Roost.Core.Recovery;

namespace Roost.Core.Tests.Recovery;

/// <summary>
/// What a failover relies on at the cloud site: a fenced VM takes no more writes from its old primary (the exported
/// replica is final), and the caught-up time (the RPO's start) is a moment whose every issued write is durable; both
/// over seeded interleavings of writes out of order, duplicates, heartbeats that overtake or trail writes, and a fence.
/// The heartbeat carries the primary's mode on the wire.
/// </summary>
public sealed class FenceAndRecoveryPointTests
{
    private static readonly VmId _one = new(1);

    private static ReplicationManager Manager() => new(
        new ReplicationManagerOptions(),
        [new ProtectedDisk(_one, 1 << 20), new ProtectedDisk(new VmId(2), 1 << 20)],
        ReplicaRecovery.Empty);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static ManagerInput.Received Write(long sequence, double at) =>
        new ManagerInput.Received(new ReplicationMessage.Write(_one, sequence, 0, new byte[] { unchecked((byte)sequence) }), S(at));

    private static ManagerInput.Received Beat(long issued, double at, ReplicationMode? mode = ReplicationMode.Pipelined) =>
        new ManagerInput.Received(new ReplicationMessage.Heartbeat(_one, issued, mode), S(at));

    [Fact]
    public void Fence_ReportsTheAppliedPoint_ThenRefusesTheOldPrimarysWrites_SayingSoOnce()
    {
        var manager = Manager();
        manager.Handle(Write(1, 1));
        manager.Handle(Write(2, 1));

        Assert.Equal([new ManagerOutput.Fenced(_one, 2)], manager.Handle(new ManagerInput.Fence(_one, S(2))));

        var refused = manager.Handle(Write(3, 3));
        Assert.IsType<ManagerOutput.Refused>(Assert.Single(refused));
        Assert.Empty(manager.Handle(Write(4, 3)));
        Assert.Empty(manager.Handle(Write(2, 3))); // not even the ack of a duplicate
        Assert.Equal((2L, true), (manager.Replicas[0].Applied, manager.Replicas[0].Fenced));
        Assert.Equal([new ManagerOutput.Fenced(new VmId(9), null)], manager.Handle(new ManagerInput.Fence(new VmId(9), S(4))));
    }

    [Fact]
    public void CaughtUpAt_IsTheLastHeartbeatWhoseIssuedWritesAreDurable_AndModeIsWhatItSaid()
    {
        var manager = Manager();
        Assert.Null(manager.Replicas[0].CaughtUpAt);
        manager.Handle(Beat(0, 1));
        Assert.Equal((S(1), ReplicationMode.Pipelined), (manager.Replicas[0].CaughtUpAt, manager.Replicas[0].Mode));

        manager.Handle(Beat(2, 2)); // two writes issued, none here
        Assert.Equal(S(1), manager.Replicas[0].CaughtUpAt);
        manager.Handle(Write(1, 3));
        Assert.Equal(S(1), manager.Replicas[0].CaughtUpAt);
        manager.Handle(Write(2, 3)); // the heartbeat of t=2 is covered now
        Assert.Equal(S(2), manager.Replicas[0].CaughtUpAt);

        manager.Handle(Beat(2, 4, mode: null)); // an older primary that does not say its mode keeps what was said
        Assert.Equal((S(4), ReplicationMode.Pipelined), (manager.Replicas[0].CaughtUpAt, manager.Replicas[0].Mode));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Interleavings_NothingAppliedAfterTheFence_AndCaughtUpAtIsAlwaysCovered(int seed)
    {
        var random = new Random(seed);
        var manager = Manager();
        var issued = 0L;
        var heartbeats = new List<(long Issued, TimeSpan At)>();
        var now = TimeSpan.Zero;
        long? fencedAt = null;
        TimeSpan? caughtUp = null;
        var pending = new List<long>(); // issued, not delivered yet (delivered in any order)
        for (var step = 0; step < 3000; step++)
        {
            now += TimeSpan.FromMilliseconds(random.Next(1, 50));
            var r = random.Next(10);
            if (r < 3)
            {
                pending.Add(++issued);
                continue;
            }

            ManagerInput input;
            if (r < 6 && pending.Count > 0)
            {
                var i = random.Next(pending.Count);
                input = Write(pending[i], now.TotalSeconds);
                pending.RemoveAt(i);
            }
            else if (r < 7 && issued > 0)
            {
                input = Write(random.NextInt64(1, issued + 1), now.TotalSeconds); // a resend
            }
            else if (r == 9 && fencedAt is null && step > 1500)
            {
                input = new ManagerInput.Fence(_one, now);
            }
            else
            {
                input = Beat(issued, now.TotalSeconds);
                heartbeats.Add((issued, S(now.TotalSeconds)));
            }

            var outputs = manager.Handle(input);
            if (outputs.OfType<ManagerOutput.Fenced>().SingleOrDefault() is { } fenced)
            {
                fencedAt = fenced.Applied;
            }

            var state = manager.Replicas[0];
            if (fencedAt is { } point)
            {
                Assert.DoesNotContain(outputs, o => o is ManagerOutput.Append or ManagerOutput.Send);
                Assert.Equal(point, state.Applied);
            }

            // Caught-up never goes back, and at that moment the primary had issued no write that is not durable.
            if (state.CaughtUpAt is { } at)
            {
                Assert.True(caughtUp is null || at >= caughtUp, $"caught-up went back from {caughtUp} to {at}");
                caughtUp = at;
                var beat = heartbeats.Last(b => b.At == at);
                Assert.True(beat.Issued <= state.Applied, $"caught up at {at} when {beat.Issued} were issued and {state.Applied} applied");
            }
        }

        Assert.NotNull(fencedAt);
        Assert.NotNull(caughtUp);
    }

    [Theory]
    [InlineData(ReplicationMode.Async)]
    [InlineData(ReplicationMode.Sync)]
    [InlineData(ReplicationMode.Pipelined)]
    [InlineData(null)]
    public void Heartbeat_CarriesTheModeOnTheWire(ReplicationMode? mode)
    {
        var codec = new ReplicationFrameCodec([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);
        var heartbeat = new ReplicationMessage.Heartbeat(new VmId(3), 77, mode);

        Assert.Equal(heartbeat, Assert.IsType<FrameResult.Frame>(codec.Decode(codec.Encode(heartbeat))).Message);
    }

    [Fact]
    public void Heartbeat_WithAnUnknownMode_IsRefused()
    {
        var codec = new ReplicationFrameCodec([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);
        var frame = codec.Encode(new ReplicationMessage.Heartbeat(new VmId(3), 77, ReplicationMode.Pipelined));
        frame[4 + 5 + 12] = 9;
        System.Security.Cryptography.HMACSHA256.HashData([.. Enumerable.Range(1, 32).Select(i => (byte)i)], frame.AsSpan(0, frame.Length - 32), frame.AsSpan(frame.Length - 32));

        Assert.IsType<FrameResult.Invalid>(codec.Decode(frame));
    }
}
