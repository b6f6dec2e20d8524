using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>Validated new values for some settings; null keeps the current one.</summary>
public sealed record SettingsPatch(ControlMode? Mode, double? Threshold, int? MaxConcurrentMigrations, PlacementPolicy? Placement = null)
{
    public ControllerSettings ApplyTo(ControllerSettings current)
    {
        ArgumentNullException.ThrowIfNull(current);
        return new ControllerSettings(Mode ?? current.Mode, Threshold ?? current.Threshold, MaxConcurrentMigrations ?? current.MaxConcurrentMigrations, Placement ?? current.Placement);
    }
}
