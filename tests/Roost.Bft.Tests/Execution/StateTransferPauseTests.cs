using Roost.Bft.Execution;
using Roost.Bft.Messages;
using Roost.Bft.Services;

namespace Roost.Bft.Tests.Execution;

/// <summary>
/// A replica paused in the middle of a state transfer keeps what it verified (a paused VM keeps its memory). Rolling it
/// back to its last complete checkpoint lost the only correct copy of an object for good in campaign seed 75724
/// (docs/experiments/zz.md): the sleeper had fetched and executed on it, the one other holder was retired. Woken, or
/// once the log above its target is gone, the transfer moves to the newer certified checkpoint.
/// </summary>
public sealed class StateTransferPauseTests
{
    private static readonly BftOptions _options = new() { F = 1, CheckpointInterval = 2, Window = 4 };

    private static ExecutionReplica Replica(KeyValueService service, int index)
    {
        var replica = new ExecutionReplica(index, _options, service, StateGenesis.For(service, _options));
        replica.Handle(new Input.Start());
        return replica;
    }

    private static Batch Put(long timestamp, string key) =>
        new([new ClientRequest(0, timestamp, KeyValueOperation.EncodePut(System.Text.Encoding.UTF8.GetBytes(key), [(byte)timestamp]), 0, [])]);

    /// <summary>f+1 matching control messages for the replica's generation, then the simulated resume delay.</summary>
    private static void Command(ExecutionReplica replica, ControlKind kind)
    {
        var generation = replica.Generation;
        replica.Handle(new Input.Receive(NodeId.Agreement(0), new Control(kind, generation)));
        replica.Handle(new Input.Receive(NodeId.Agreement(1), new Control(kind, generation)));
        if (kind == ControlKind.Wake)
        {
            replica.Handle(new Input.TimerExpired(TimerKind.Resume));
        }
    }

    /// <summary>The state requests among <paramref name="outputs"/>, with the peer each is sent to.</summary>
    private static IEnumerable<(NodeId To, StateRequest Request)> StateRequests(IReadOnlyList<Output> outputs) =>
        outputs.OfType<Output.Send>().Where(s => s.Message is StateRequest).Select(s => (s.To, (StateRequest)s.Message));

    private static void Execute(ExecutionReplica replica, long from, long to)
    {
        for (var s = from; s <= to; s++)
        {
            var batch = Put(s, $"key-{s}");
            replica.Handle(new Input.Receive(NodeId.Agreement(0), new Ordered(0, s, batch.Digest, batch, 0, default)));
            replica.Handle(new Input.Receive(NodeId.Agreement(1), new Ordered(0, s, batch.Digest, null, 0, default)));
        }

        Assert.Equal(to, replica.Executed);
    }

    /// <summary>f+1 agreement replicas tell the replica that <paramref name="active"/>'s last checkpoint is certified.</summary>
    private static List<Output> Certify(ExecutionReplica replica, ExecutionReplica active)
    {
        var certified = new SyncReply(active.Executed, [new CheckpointEntry(active.Executed, active.Root)], active.Executed, []);
        return [.. replica.Handle(new Input.Receive(NodeId.Agreement(0), certified)), .. replica.Handle(new Input.Receive(NodeId.Agreement(1), certified))];
    }

    /// <summary>
    /// Delivers the state requests to the peers they name (all answered from <paramref name="active"/>'s state), without
    /// the object <paramref name="withheld"/> (lost, or garbled by a Byzantine peer), and the replies back, until
    /// nothing is asked any more; returns the objects asked for.
    /// </summary>
    private static SortedSet<int> Transfer(ExecutionReplica replica, ExecutionReplica active, IReadOnlyList<Output> outputs, Func<int, bool> withheld)
    {
        var pending = new Queue<(NodeId To, StateRequest Request)>(StateRequests(outputs));
        var asked = new SortedSet<int>();
        while (pending.TryDequeue(out var sent))
        {
            var (peer, request) = sent;
            asked.UnionWith(request.Objects);
            var reply = (StateReply)active.Handle(new Input.Receive(replica.Id, request)).OfType<Output.Send>().Single().Message;
            reply = reply with { Objects = [.. reply.Objects.Where(o => !withheld(o.Index))] };
            foreach (var next in StateRequests(replica.Handle(new Input.Receive(peer, reply))))
            {
                pending.Enqueue(next);
            }
        }

        return asked;
    }

    /// <summary>The sleeper woken and transferring the active replica's checkpoint at 2, one object missing.</summary>
    private static (ExecutionReplica Active, ExecutionReplica Sleeper, int Withheld, List<int> Fetched) MidTransfer()
    {
        var service = new KeyValueService(buckets: 16);
        var active = Replica(service, 0);
        var sleeper = Replica(service, 2);
        Execute(active, 1, 2);
        Command(sleeper, ControlKind.Wake);
        var withheld = -1;
        var asked = Transfer(sleeper, active, Certify(sleeper, active), k => (withheld = withheld < 0 ? k : withheld) == k);
        var fetched = asked.Where(k => k != withheld).ToList();
        Assert.True(sleeper.IsSyncing);
        Assert.NotEmpty(fetched);
        return (active, sleeper, withheld, fetched);
    }

    /// <summary>
    /// The sleeper woken, transferring the active replica's checkpoint at 2 and missing one object (the first one a
    /// reply carries), then paused.
    /// </summary>
    private static (ExecutionReplica Active, ExecutionReplica Sleeper, int Withheld, List<int> Fetched) PausedMidTransfer()
    {
        var (active, sleeper, withheld, fetched) = MidTransfer();
        Command(sleeper, ControlKind.Sleep);
        Assert.False(sleeper.IsAwake);
        return (active, sleeper, withheld, fetched);
    }

    [Fact]
    public void PausedMidTransfer_KeepsVerifiedObjects_AndResumesWithoutFetchingThemAgain()
    {
        var (active, sleeper, withheld, fetched) = PausedMidTransfer();

        Assert.True(sleeper.IsSyncing);
        Command(sleeper, ControlKind.Wake);
        var resumed = sleeper.Handle(new Input.TimerExpired(TimerKind.Fetch));

        var again = StateRequests(resumed).SelectMany(r => r.Request.Objects).ToList();
        Assert.Contains(withheld, again);
        Assert.DoesNotContain(again, fetched.Contains);

        // It still serves what it fetched, verified against the certified checkpoint, to a peer that needs it.
        var served = (StateReply)sleeper.Handle(new Input.Receive(NodeId.Execution(1), new StateRequest(active.Root, [], fetched)))
            .OfType<Output.Send>().Single().Message;
        Assert.True(served.Available);
        Assert.Equal(fetched, served.Objects.Select(o => o.Index));
    }

    [Fact]
    public void WokenMidTransfer_MovesToTheNewerCertifiedCheckpoint_AndCompletesIt()
    {
        var (active, sleeper, _, _) = PausedMidTransfer();
        Execute(active, 3, 4);

        Command(sleeper, ControlKind.Wake);
        var outputs = Certify(sleeper, active);

        var started = outputs.OfType<Output.Notice>().Select(n => n.Event).OfType<ProtocolEvent.SyncStarted>().Single();
        Assert.Equal((4L, "woken during a transfer"), (started.Sequence, started.Reason));
        Transfer(sleeper, active, outputs, _ => false);
        Assert.False(sleeper.IsSyncing);
        Assert.Equal((4L, active.Root), (sleeper.Executed, sleeper.Root));
    }

    /// <summary>
    /// The log above a transfer's target is gone (a newer checkpoint is stable): the transfer moves to the newer
    /// certified checkpoint at once. Waiting for every peer to say the old target is gone never ended in seed 18240
    /// (f = 2): two woken replicas transferring towards the same target each held a partial copy and answered for it.
    /// </summary>
    [Fact]
    public void TransferBelowTheStableCheckpoint_MovesToTheNewerCertifiedOne()
    {
        var (active, replica, _, _) = MidTransfer();
        Execute(active, 3, 4);

        var outputs = Certify(replica, active);

        var started = outputs.OfType<Output.Notice>().Select(n => n.Event).OfType<ProtocolEvent.SyncStarted>().Single();
        Assert.Equal((4L, "log above the transfer's target gone"), (started.Sequence, started.Reason));
        Transfer(replica, active, outputs, _ => false);
        Assert.Equal((false, 4L, active.Root), (replica.IsSyncing, replica.Executed, replica.Root));
    }
}
