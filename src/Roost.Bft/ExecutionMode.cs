namespace Roost.Bft;

/// <summary>How many execution replicas run in the normal case.</summary>
public enum ExecutionMode
{
    /// <summary>ZZ: f+1 execution replicas active, f asleep and woken only when the active ones disagree or stall.</summary>
    Zz,

    /// <summary>The baseline (BASE-like): all 2f+1 execution replicas active, no sleepers.</summary>
    AllActive,
}
