namespace Roost.Simulation.DataCenter.Search;

/// <summary>
/// PABFD's search, over the candidate hosts, for the one whose power grows least when a VM is placed on it (CloudSim's
/// <c>findHostForVm</c> scans them all). A search keeps its own copy of every host's state (<see cref="SearchHost"/>),
/// which the planner sets at the start of planning and after every change to a host while it plans, and the hosts
/// excluded for the phase being planned. It offers to the query's judge every host that could be the answer; the
/// judge decides exactly, so two searches differ only in how many hosts they offer, never in the host chosen.
/// </summary>
/// <remarks>
/// Implementations: <see cref="PlainHostScan"/> (every candidate, in host order) and <see cref="TreeHostSearch"/>
/// (branch and bound over one segment tree per host type). Use: <see cref="Reset"/>, <see cref="Update"/> for every
/// host, <see cref="Build"/>; then queries, updates and exclusions in any order.
/// </remarks>
internal interface IHostSearch
{
    /// <summary>Planning starts: no host is excluded, and the host states that follow, until <see cref="Build"/>, are the whole picture.</summary>
    void Reset();

    /// <summary>The host's state as it is now.</summary>
    void Update(int host, in SearchHost state);

    /// <summary>Every host's state has been given since <see cref="Reset"/>: prepare for queries.</summary>
    void Build();

    /// <summary>The host is not to be offered until <see cref="ClearExclusions"/> or <see cref="Reset"/>.</summary>
    void Exclude(int host);

    /// <summary>A new planning phase: no host is excluded.</summary>
    void ClearExclusions();

    /// <summary>Offers to <paramref name="query"/>'s judge, in any order, every candidate host not excluded that could be its answer.</summary>
    void Search(HostQuery query);
}
