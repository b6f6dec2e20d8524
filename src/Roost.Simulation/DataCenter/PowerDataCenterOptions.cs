namespace Roost.Simulation.DataCenter;

/// <summary>How a <see cref="PowerDataCenter"/> runs; no option changes a result.</summary>
internal sealed record PowerDataCenterOptions
{
    public const int DefaultParallelHostThreshold = 4096;

    public static PowerDataCenterOptions Default { get; } = new();

    /// <summary>The fleet size from which host updates, overload detection and tree builds use every core.</summary>
    public int ParallelHostThreshold { get; init; } = DefaultParallelHostThreshold;

    /// <summary>Test only: a cache deliberately left stale, to show that the reference oracle catches it.</summary>
    public PowerDataCenterFault Fault { get; init; }
}

/// <summary>A deliberately broken cache, for the tests that show the reference oracle catches one. Never set otherwise.</summary>
internal enum PowerDataCenterFault
{
    None,

    /// <summary>The search trees miss a host that becomes a candidate while planning (a pristine host that receives a VM).</summary>
    SearchMissesNewCandidates,

    /// <summary>A VM appended to a host leaves the host's overload-screen key as it was.</summary>
    ScreenKeyMissesAppends,

    /// <summary>A VM appended to a host leaves the host's utilisation history as it was.</summary>
    HostHistoryMissesAppends,
}
