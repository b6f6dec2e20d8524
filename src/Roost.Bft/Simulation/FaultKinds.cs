namespace Roost.Bft.Simulation;

/// <summary>The faults a simulated run may inject. A run draws a subset of the ones it is allowed.</summary>
[Flags]
public enum FaultKinds
{
    None = 0,

    /// <summary>Messages lost at random.</summary>
    Drop = 1,

    /// <summary>Messages delivered twice.</summary>
    Duplicate = 2,

    /// <summary>Large random delays, so messages overtake each other.</summary>
    Reorder = 4,

    /// <summary>Replicas split into groups that cannot talk, then healed.</summary>
    Partition = 8,

    /// <summary>Correct replicas stop (losing timers and messages in flight) and restart.</summary>
    CrashRestart = 16,

    /// <summary>A Byzantine primary sends different batches for one sequence number to different backups.</summary>
    EquivocatingPrimary = 32,

    /// <summary>Byzantine execution replicas send wrong replies to clients and wrong reply digests.</summary>
    WrongReplies = 64,

    /// <summary>Byzantine replicas send wrong digests: votes, checkpoints, view changes, state-transfer items.</summary>
    WrongDigests = 128,

    /// <summary>An execution replica's stored objects change silently (its code stays correct).</summary>
    SilentCorruption = 256,

    /// <summary>Old messages are delivered again later (a network adversary replaying captured traffic).</summary>
    Replay = 512,

    All = Drop | Duplicate | Reorder | Partition | CrashRestart | EquivocatingPrimary | WrongReplies | WrongDigests | SilentCorruption | Replay,
}
