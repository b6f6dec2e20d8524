namespace Roost.Core.Sharing;

/// <summary>How a sharing-aware planner estimates and credits sharing.</summary>
/// <param name="Estimate">Estimator used for a VM against a host's fingerprint.</param>
/// <param name="SharingCredit">
/// Fraction of the estimated sharing credited against the VM's memory, in (0, 1]. Below 1 it is a safety margin for
/// estimation error (the Bloom estimates err by well under 1 % at the default size, so 0.95 leaves room); 1 with
/// exact lists.
/// </param>
public sealed record SharingPlacementOptions(SharingEstimateKind Estimate = SharingEstimateKind.ListBloom, double SharingCredit = 0.95)
{
    public static SharingPlacementOptions Exact { get; } = new(SharingEstimateKind.ListList, 1.0);
}
