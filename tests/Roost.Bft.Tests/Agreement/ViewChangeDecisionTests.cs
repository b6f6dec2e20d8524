using Roost.Bft.Agreement;
using Roost.Bft.Messages;

namespace Roost.Bft.Tests.Agreement;

public sealed class ViewChangeDecisionTests
{
    private static readonly Digest _committed = Digest.Of([1]);
    private static readonly Digest _forged = Digest.Of([2]);

    [Fact]
    public void Decide_PreparedByQuorum_SurvivesALyingReplica()
    {
        // f = 1: replicas 0-2 prepared _committed at 1 in view 0; replica 3 lies about a later view.
        var honest = Enumerable.Range(0, 3).Select(i => Change(i, prepared: [new SlotEntry(1, _committed, 0)], prePrepared: [new SlotEntry(1, _committed, 0)]));
        var liar = Change(3, prepared: [new SlotEntry(1, _forged, 0)], prePrepared: [new SlotEntry(1, _forged, 0)]);

        var decision = ViewChangeDecision.Decide([.. honest, liar], f: 1, window: 16);

        Assert.NotNull(decision);
        Assert.Equal([(1L, _committed)], decision.Slots);
    }

    [Fact]
    public void Decide_ForgedHighViewClaimWithoutPrePrepares_IsNotChosen()
    {
        var honest = Enumerable.Range(0, 3).Select(i => Change(i, prepared: [], prePrepared: []));
        var liar = Change(3, prepared: [new SlotEntry(1, _forged, 5)], prePrepared: [new SlotEntry(1, _forged, 5)]);

        var decision = ViewChangeDecision.Decide([.. honest, liar], f: 1, window: 16);

        Assert.NotNull(decision);
        Assert.Equal([(1L, Batch.Empty.Digest)], decision.Slots);
    }

    [Fact]
    public void Decide_NotEnoughToDecide_Waits()
    {
        var set = new[]
        {
            Change(0, prepared: [new SlotEntry(1, _committed, 0)], prePrepared: [new SlotEntry(1, _committed, 0)]),
            Change(1, prepared: [], prePrepared: []),
            Change(2, prepared: [new SlotEntry(1, _forged, 0)], prePrepared: [new SlotEntry(1, _forged, 0)]),
        };

        Assert.Null(ViewChangeDecision.Decide(set, f: 1, window: 16));
    }

    [Fact]
    public void Decide_PicksHighestCheckpointHeldByFPlusOne()
    {
        var state = Digest.Of([9]);
        var set = new[]
        {
            Change(0, prepared: [], prePrepared: [], stable: 0, checkpoints: [new(0, default), new(4, state)]),
            Change(1, prepared: [], prePrepared: [], stable: 4, checkpoints: [new(4, state)]),
            Change(2, prepared: [], prePrepared: [], stable: 0, checkpoints: [new(0, default)]),
        };

        var decision = ViewChangeDecision.Decide(set, f: 1, window: 16);

        Assert.NotNull(decision);
        Assert.Equal(new CheckpointEntry(4, state), decision.Checkpoint);
    }

    private static ViewChange Change(int replica, SlotEntry[] prepared, SlotEntry[] prePrepared, long stable = 0, CheckpointEntry[]? checkpoints = null) =>
        new(1, replica, stable, checkpoints ?? [new CheckpointEntry(0, default)], prepared, prePrepared, []);
}
