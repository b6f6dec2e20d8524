using Roost.Core.Sharing;

namespace Roost.Simulation.Sharing;

/// <summary>A sharing placement policy under its <c>--policy</c> name, with the estimate it uses (null: none).</summary>
public sealed record SharingSimulatedPolicy(string Name, ISharingPlacementPolicy Policy, SharingEstimateKind? Estimate);
