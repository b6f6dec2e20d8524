namespace Roost.Controller.Api;

/// <summary>Put a host into maintenance (its VMs are evacuated and it takes no new ones) or take it out.</summary>
public sealed record MaintenanceRequest(bool Enabled);
