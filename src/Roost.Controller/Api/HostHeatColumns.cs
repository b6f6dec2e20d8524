namespace Roost.Controller.Api;

/// <summary>
/// The heat map, one entry per host in the same order in each column (by id): usage as whole percents of capacity
/// (cpu, memory, network; above 100 when a host is overcommitted) and VM count. <see cref="Hot"/>,
/// <see cref="Maintenance"/>, <see cref="Unreachable"/> and <see cref="Migrating"/> (a VM moving out or in) list host
/// ids, so the common case of few such hosts costs a few bytes.
/// </summary>
public sealed record HostHeatColumns(
    IReadOnlyList<int> Ids,
    IReadOnlyList<int> CpuPercent,
    IReadOnlyList<int> MemoryPercent,
    IReadOnlyList<int> NetworkPercent,
    IReadOnlyList<int> VmCount,
    IReadOnlyList<int> Hot,
    IReadOnlyList<int> Maintenance,
    IReadOnlyList<int> Unreachable,
    IReadOnlyList<int> Migrating);
