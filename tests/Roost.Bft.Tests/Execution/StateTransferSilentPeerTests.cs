using Roost.Bft.Execution;
using Roost.Bft.Messages;
using Roost.Bft.Services;

namespace Roost.Bft.Tests.Execution;

/// <summary>
/// A woken replica transferring state while one peer never answers (a retired replica, frozen by its agent on real
/// processes). One window counted over all peers filled with requests to that peer, and the transfer then waited for
/// the lost-request timer, again and again: under 1 MB/s on real processes for 400 MB (docs/experiments/zz.md). The
/// window now counts requests per peer; the one that answers keeps it.
/// </summary>
public sealed class StateTransferSilentPeerTests
{
    private static readonly BftOptions _options = new() { F = 1, CheckpointInterval = 2, Window = 4, FetchItemsPerRequest = 4, FetchRequestsInFlight = 4 };

    [Fact]
    public void PeerThatNeverAnswers_DoesNotHoldTheTransferUp()
    {
        var service = new KeyValueService(256, 64);
        var genesis = StateGenesis.For(service, _options);
        var active = new ExecutionReplica(1, _options, service, genesis);
        var sleeper = new ExecutionReplica(2, _options, service, StateGenesis.Empty(genesis.ObjectCount));
        active.Handle(new Input.Start());
        sleeper.Handle(new Input.Start());
        for (var s = 1L; s <= 2; s++)
        {
            var batch = new Batch([new ClientRequest(0, s, KeyValueOperation.EncodePut(System.Text.Encoding.UTF8.GetBytes($"key-{s}"), [(byte)s]), 0, [])]);
            active.Handle(new Input.Receive(NodeId.Agreement(0), new Ordered(0, s, batch.Digest, batch, 0, default)));
            active.Handle(new Input.Receive(NodeId.Agreement(1), new Ordered(0, s, batch.Digest, null, 0, default)));
        }

        foreach (var a in new[] { 0, 1 })
        {
            sleeper.Handle(new Input.Receive(NodeId.Agreement(a), new Control(ControlKind.Wake, 0)));
        }

        sleeper.Handle(new Input.TimerExpired(TimerKind.Resume));
        var certified = new SyncReply(2, [new CheckpointEntry(2, active.Root)], 2, []);
        var outputs = new List<Output>([.. sleeper.Handle(new Input.Receive(NodeId.Agreement(0), certified)), .. sleeper.Handle(new Input.Receive(NodeId.Agreement(1), certified))]);

        // e1 answers every request at once; e0 answers none. A fetch tick passes only when nothing is in transit.
        var pending = new Queue<Output.Send>(outputs.OfType<Output.Send>().Where(s => s.Message is StateRequest));
        int toSilent = 0, answered = 0, ticks = 0;
        while (sleeper.IsSyncing && ticks < 1_000)
        {
            if (!pending.TryDequeue(out var send))
            {
                ticks++;
                Enqueue(sleeper.Handle(new Input.TimerExpired(TimerKind.Fetch)));
                continue;
            }

            if (send.To == NodeId.Execution(0))
            {
                toSilent++;
                continue;
            }

            answered++;
            var reply = active.Handle(new Input.Receive(sleeper.Id, send.Message)).OfType<Output.Send>().Single();
            Enqueue(sleeper.Handle(new Input.Receive(NodeId.Execution(1), reply.Message)));
        }

        void Enqueue(IReadOnlyList<Output> next)
        {
            foreach (var s in next.OfType<Output.Send>().Where(s => s.Message is StateRequest))
            {
                pending.Enqueue(s);
            }
        }

        Assert.False(sleeper.IsSyncing, $"the transfer stalled after {answered} answered requests and {toSilent} to the silent peer");
        Assert.Equal((2L, active.Root), (sleeper.Executed, sleeper.Root));
        Assert.True(answered > 10 * _options.FetchRequestsInFlight, $"only {answered} requests: the state is too small to test the window");
        // Before, about every other request went to the silent peer; now it gets one at a time, once its last is lost.
        Assert.InRange(toSilent, 1, answered / 8);
    }
}
