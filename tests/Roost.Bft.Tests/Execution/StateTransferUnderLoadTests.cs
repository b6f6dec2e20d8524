using Roost.Bft.Simulation;

namespace Roost.Bft.Tests.Execution;

/// <summary>
/// A woken replica transferring a large state while the clients keep the load on (new checkpoints all along): it fills
/// only the snapshots it still keeps. It used to fill, and so hold, every checkpoint taken since the transfer began,
/// each a copy of the object table and of the whole Merkle tree (about 9 MB at 100,000 objects), for as long as the
/// transfer lasted.
/// </summary>
public sealed class StateTransferUnderLoadTests
{
    [Fact]
    public void LongTransferUnderLoad_FillsOnlyTheSnapshotsItKeeps_AndCompletes()
    {
        var checkpointsDuringTransfer = 0;
        var mostFilled = 0;
        var mostKept = 0;
        var result = Experiments.StateTransfer(
            seed: 1, objects: 20_000, objectBytes: 1024, bandwidthBytesPerSecond: 2_500_000, emptyImage: true, operationsPerClient: 2_000,
            observe: (simulator, e) =>
            {
                if (e is ProtocolEvent.CheckpointTaken { Replica.Index: 2 } && simulator.ExecutionReplicaAt(2) is { IsSyncing: true } replica)
                {
                    checkpointsDuringTransfer++;
                    mostFilled = Math.Max(mostFilled, replica.SnapshotsFilled);
                    mostKept = Math.Max(mostKept, replica.SnapshotsKept);
                }
            });

        Assert.Empty(result.Violations);
        Assert.True(result.FullStateMicros > result.WokenAtMicros, "the woken replica never held the whole state");
        var keptAtMost = (64 / 16) + 2;
        Assert.True(checkpointsDuringTransfer > keptAtMost, $"only {checkpointsDuringTransfer} checkpoints during the transfer: the test needs a longer one");
        Assert.InRange(mostKept, 1, keptAtMost);
        Assert.InRange(mostFilled, 1, mostKept);
        Assert.True(result.TargetMoves > 0, "the transfer never moved to a newer checkpoint: the test does not exercise what it is about");
    }
}
