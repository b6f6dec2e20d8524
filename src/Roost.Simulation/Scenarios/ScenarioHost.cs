using Roost.Core.Model;

namespace Roost.Simulation.Scenarios;

/// <summary>A physical host of a scenario; <see cref="Capacity"/> in cores, MiB and Mbit/s.</summary>
public sealed record ScenarioHost(HostId Id, string Name, ResourceVector Capacity);
