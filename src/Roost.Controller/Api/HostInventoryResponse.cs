namespace Roost.Controller.Api;

/// <summary>
/// What changes rarely about the hosts, as parallel columns by id: names and capacities (cores, MiB, Mbit/s).
/// <see cref="Version"/> equals the overview's <c>inventoryVersion</c> while these are unchanged.
/// </summary>
public sealed record HostInventoryResponse(
    string Version,
    IReadOnlyList<int> Ids,
    IReadOnlyList<string> Names,
    IReadOnlyList<double> CpuCores,
    IReadOnlyList<double> MemoryMiB,
    IReadOnlyList<double> NetworkMbps);
