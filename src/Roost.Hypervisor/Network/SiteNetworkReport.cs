namespace Roost.Hypervisor.Network;

/// <summary>
/// What a site's agent tells the controller after each reconciliation (<c>PUT /api/network/sites/{site}</c>): its
/// uplink's rate (the bound on the VPCs' reservations), the intent version it reconciled to, how many changes that took,
/// and why it failed (null: the kernel matches).
/// </summary>
public sealed record SiteNetworkReport(int UplinkMbps, string Version, int Changes, string? Error);
