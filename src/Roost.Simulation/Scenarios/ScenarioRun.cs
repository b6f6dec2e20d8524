namespace Roost.Simulation.Scenarios;

/// <summary>The outcome of replaying a scenario under one Sandpiper configuration.</summary>
public sealed record ScenarioRun(
    string Scenario,
    string Provisioner,
    ScenarioMetrics Metrics,
    IReadOnlyList<TimedAction> Actions,
    IReadOnlyList<OverloadEpisode> Episodes,
    IReadOnlyList<HostEndState> Hosts,
    IReadOnlyList<VmEndState> Vms);
