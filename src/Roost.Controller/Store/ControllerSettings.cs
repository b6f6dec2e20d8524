using System.Globalization;

namespace Roost.Controller.Store;

/// <summary>
/// What an operator can change at run time: the mode, the hotspot threshold (fraction of capacity in (0, 1],
/// Sandpiper's 0.75), how many migrations may run at once (1..64), and how new VMs are placed.
/// </summary>
public sealed record ControllerSettings(ControlMode Mode, double Threshold, int MaxConcurrentMigrations, PlacementPolicy Placement = PlacementPolicy.Spread)
{
    public const double MaxThreshold = 1;
    public const int MaxConcurrentMigrationsLimit = 64;

    public static ControllerSettings Default { get; } = new(ControlMode.Automatic, 0.75, 4);

    /// <summary>Null when valid, else one line saying what is wrong (the store refuses such settings).</summary>
    public string? Validate() =>
        !Enum.IsDefined(Mode) ? string.Create(CultureInfo.InvariantCulture, $"mode {(int)Mode} is not a control mode")
        : !(Threshold > 0 && Threshold <= MaxThreshold) ? string.Create(CultureInfo.InvariantCulture, $"threshold {Threshold} must lie in (0, {MaxThreshold}]")
        : MaxConcurrentMigrations is < 1 or > MaxConcurrentMigrationsLimit ? string.Create(CultureInfo.InvariantCulture, $"maxConcurrentMigrations {MaxConcurrentMigrations} must lie in 1..{MaxConcurrentMigrationsLimit}")
        : !Enum.IsDefined(Placement) ? string.Create(CultureInfo.InvariantCulture, $"placement {(int)Placement} is not a placement policy")
        : null;
}
