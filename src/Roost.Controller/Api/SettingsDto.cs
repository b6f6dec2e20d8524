using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>The run-time settings: mode, hotspot threshold (fraction of capacity), concurrent migrations allowed, placement of new VMs.</summary>
public sealed record SettingsDto(ControlMode Mode, double Threshold, int MaxConcurrentMigrations, PlacementPolicy Placement)
{
    public static SettingsDto From(ControllerSettings s) => new(s.Mode, s.Threshold, s.MaxConcurrentMigrations, s.Placement);
}
