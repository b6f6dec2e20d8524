namespace Roost.Simulation.Scenarios;

/// <summary>
/// A small hand-written experiment in the shape of the Sandpiper papers' testbed runs: a few hosts, VMs with load
/// phases at second granularity, optional gray-box statistics. Read with <see cref="ScenarioReader"/>; the format is
/// documented in docs/scenarios.md.
/// </summary>
public sealed record Scenario(
    string Name,
    string Description,
    TimeSpan Duration,
    TimeSpan MonitoringInterval,
    double MigrationBandwidthMbps,
    int WindowLength,
    IReadOnlyList<ScenarioHost> Hosts,
    IReadOnlyList<ScenarioVm> Vms);
