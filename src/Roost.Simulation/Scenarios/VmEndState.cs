using Roost.Core.Model;

namespace Roost.Simulation.Scenarios;

/// <summary>A VM at the end of a run: where it is and what it is allocated.</summary>
public sealed record VmEndState(VmId Vm, HostId Host, ResourceVector Allocation);
