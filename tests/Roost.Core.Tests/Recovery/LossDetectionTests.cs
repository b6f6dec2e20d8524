using Roost.Core.Model;
using Roost.Core.Recovery;

namespace Roost.Core.Tests.Recovery;

/// <summary>
/// Loss of a primary at the cloud site: the heartbeat on an idle link, the manager's silence check (once per silence,
/// with the write a failover would boot from) against a model over seeded interleavings, and the heartbeat's frame.
/// </summary>
public sealed class LossDetectionTests
{
    private static readonly TimeSpan _lossAfter = TimeSpan.FromSeconds(5);

    private static ReplicationManager Manager(TimeSpan? lossAfter) => new(
        new ReplicationManagerOptions { LossAfter = lossAfter },
        [new ProtectedDisk(new VmId(1), 1 << 20), new ProtectedDisk(new VmId(2), 1 << 20)],
        ReplicaRecovery.Empty);

    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void SilenceBeyondLossAfter_DeclaresThePrimaryLostOnce_WithItsAppliedWriteAndLastContact()
    {
        var manager = Manager(_lossAfter);
        Assert.Contains(new ManagerOutput.ArmLiveness(_lossAfter / 4), manager.Handle(new ManagerInput.Started(S(0))));
        manager.Handle(new ManagerInput.Received(new ReplicationMessage.Write(new VmId(1), 1, 0, new byte[] { 1 }), S(1)));
        manager.Handle(new ManagerInput.Received(new ReplicationMessage.Heartbeat(new VmId(1), 4), S(2)));

        Assert.DoesNotContain(manager.Handle(new ManagerInput.LivenessDue(S(7))), o => o is ManagerOutput.PrimaryLost);
        var lost = Assert.Single(manager.Handle(new ManagerInput.LivenessDue(S(7.5))).OfType<ManagerOutput.PrimaryLost>());
        Assert.Equal(new ManagerOutput.PrimaryLost(new VmId(1), 1, 4, S(2), S(7.5)), lost);
        Assert.DoesNotContain(manager.Handle(new ManagerInput.LivenessDue(S(20))), o => o is ManagerOutput.PrimaryLost);

        // VM 2 was never heard from: nothing to be silent against, so it is not declared lost.
        var states = manager.Replicas;
        Assert.Equal((true, 3L, S(2)), (states[0].Lost, states[0].Lag!.Value, states[0].LastContact!.Value));

        Assert.Equal((false, (long?)null, (TimeSpan?)null), (states[1].Lost, states[1].Lag, states[1].LastContact));

        // A stale heartbeat (overtaken by writes) is contact, and never lowers the issued count.
        Assert.Equal([new ManagerOutput.PrimaryBack(new VmId(1), S(21))], manager.Handle(new ManagerInput.Received(new ReplicationMessage.Heartbeat(new VmId(1), 2), S(21))));
        Assert.Equal((false, 4L), (manager.Replicas[0].Lost, manager.Replicas[0].Issued!.Value));
    }

    [Fact]
    public void WithoutLossAfter_NothingIsArmedOrDeclared()
    {
        var manager = Manager(null);
        Assert.DoesNotContain(manager.Handle(new ManagerInput.Started(S(0))), o => o is ManagerOutput.ArmLiveness);
        manager.Handle(new ManagerInput.Received(new ReplicationMessage.Heartbeat(new VmId(1), 0), S(0)));

        Assert.Empty(manager.Handle(new ManagerInput.LivenessDue(S(1000))));
    }

    [Fact]
    public void RefusedWrites_AndUnknownVms_AreNotContact()
    {
        var manager = Manager(_lossAfter);
        manager.Handle(new ManagerInput.Received(new ReplicationMessage.Write(new VmId(1), 1, 1 << 20, new byte[] { 1 }), S(1)));
        manager.Handle(new ManagerInput.Received(new ReplicationMessage.Heartbeat(new VmId(9), 3), S(1)));

        Assert.All(manager.Replicas, r => Assert.Null(r.LastContact));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomInterleavings_DeclareLossExactlyWhenTheModelSays(int seed)
    {
        var random = new Random(seed);
        var manager = Manager(_lossAfter);
        manager.Handle(new ManagerInput.Started(TimeSpan.Zero));
        var now = TimeSpan.Zero;
        var last = new TimeSpan?[2];
        var lost = new bool[2];
        var applied = new long[2];
        var issued = new long?[2];
        var declared = 0;
        for (var step = 0; step < 2000; step++)
        {
            now += TimeSpan.FromMilliseconds(random.Next(0, 4000));
            var vm = random.Next(2);
            ManagerInput input = random.Next(4) switch
            {
                0 => new ManagerInput.Received(new ReplicationMessage.Write(new VmId(vm + 1), applied[vm] + 1, 0, new byte[] { 1 }), now),
                1 => new ManagerInput.Received(new ReplicationMessage.Heartbeat(new VmId(vm + 1), applied[vm] + random.Next(0, 3)), now),
                _ => new ManagerInput.LivenessDue(now),
            };
            var outputs = manager.Handle(input);
            var expectedLost = new List<ManagerOutput>();
            var expectedBack = new List<ManagerOutput>();
            foreach (var output in outputs)
            {
                switch (output)
                {
                    case ManagerOutput.Append append:
                        applied[append.Write.Vm.Value - 1] = append.Write.Sequence;
                        break;
                    case ManagerOutput.PrimaryLost:
                        expectedLost.Add(output);
                        break;
                    case ManagerOutput.PrimaryBack:
                        expectedBack.Add(output);
                        break;
                }
            }

            // The model: contact clears a loss; a check past the silence declares each silent VM once.
            var model = new List<ManagerOutput>();
            var modelBack = new List<ManagerOutput>();
            if (input is ManagerInput.LivenessDue)
            {
                for (var j = 0; j < 2; j++)
                {
                    if (!lost[j] && last[j] is { } l && now - l > _lossAfter)
                    {
                        lost[j] = true;
                        model.Add(new ManagerOutput.PrimaryLost(new VmId(j + 1), applied[j], issued[j], l, now));
                    }
                }
            }
            else
            {
                if (lost[vm])
                {
                    lost[vm] = false;
                    modelBack.Add(new ManagerOutput.PrimaryBack(new VmId(vm + 1), now));
                }

                last[vm] = now;
                issued[vm] = input switch
                {
                    ManagerInput.Received { Message: ReplicationMessage.Heartbeat h } => Math.Max(issued[vm] ?? 0, h.Issued),
                    ManagerInput.Received { Message: ReplicationMessage.Write w } when issued[vm] is { } known => Math.Max(known, w.Sequence),
                    _ => issued[vm],
                };
            }

            declared += model.Count;
            Assert.Equal(model, expectedLost);
            Assert.Equal(modelBack, expectedBack);
            Assert.Equal(lost, manager.Replicas.Select(r => r.Lost));
            Assert.Equal(last, manager.Replicas.Select(r => r.LastContact));
            Assert.Equal(issued, manager.Replicas.Select(r => r.Issued));
        }

        Assert.True(declared > 10, $"the interleaving declared only {declared} losses");
    }

    [Fact]
    public void Replicator_HeartbeatsEveryVmWithItsIssuedCount_AndRearms()
    {
        var options = new ReplicatorOptions { Mode = ReplicationMode.Async, HeartbeatInterval = S(2) };
        var replicator = new Replicator(options, [new VmId(1), new VmId(2)]);
        replicator.Handle(new ReplicatorInput.GuestWrite(new VmId(2), 1, 0, new byte[] { 1 }));
        replicator.Handle(new ReplicatorInput.GuestWrite(new VmId(2), 2, 0, new byte[] { 2 }));

        Assert.Equal(
            [
                new ReplicatorOutput.SendHeartbeat(new ReplicationMessage.Heartbeat(new VmId(1), 0, ReplicationMode.Async)),
                new ReplicatorOutput.SendHeartbeat(new ReplicationMessage.Heartbeat(new VmId(2), 2, ReplicationMode.Async)),
                new ReplicatorOutput.ArmHeartbeat(S(2)),
            ],
            replicator.Handle(new ReplicatorInput.HeartbeatDue()));
        Assert.Equal(2, replicator.Handle(new ReplicatorInput.Connected()).OfType<ReplicatorOutput.SendHeartbeat>().Count());
        Assert.Contains("HeartbeatInterval", new ReplicatorOptions { HeartbeatInterval = TimeSpan.Zero }.Validate(), StringComparison.Ordinal);
        Assert.Contains("LossAfter", new ReplicationManagerOptions { LossAfter = TimeSpan.Zero }.Validate(), StringComparison.Ordinal);
    }

    [Fact]
    public void Heartbeat_RoundTripsOnTheWire()
    {
        var codec = new ReplicationFrameCodec([.. Enumerable.Range(1, 32).Select(i => (byte)i)]);

        var decoded = Assert.IsType<FrameResult.Frame>(codec.Decode(codec.Encode(new ReplicationMessage.Heartbeat(new VmId(3), 77))));

        Assert.Equal(new ReplicationMessage.Heartbeat(new VmId(3), 77), decoded.Message);
    }
}
