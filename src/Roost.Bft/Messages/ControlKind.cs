namespace Roost.Bft.Messages;

/// <summary>What the ZZ controller tells an execution replica to do.</summary>
public enum ControlKind : byte
{
    /// <summary>Resume a sleeping replica; it catches up from the last certified checkpoint.</summary>
    Wake,

    /// <summary>Pause an active replica, keeping its state.</summary>
    Sleep,

    /// <summary>Shut a replica found faulty down; it is recreated as a sleeper with empty state.</summary>
    Retire,

    /// <summary>Ask for the replica's status (<see cref="ExecStatus"/>); changes nothing, needs no quorum.</summary>
    Probe,
}
