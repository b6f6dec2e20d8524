namespace Roost.Controller.Store;

/// <summary>
/// What an operator can change at run time: the mode, the hotspot threshold (fraction of capacity, Sandpiper's 0.75),
/// and how many migrations may run at once.
/// </summary>
public sealed record ControllerSettings(ControlMode Mode, double Threshold, int MaxConcurrentMigrations)
{
    public static ControllerSettings Default { get; } = new(ControlMode.Automatic, 0.75, 4);

    /// <summary>Null when valid, else one line saying what is wrong.</summary>
    public string? Validate() =>
        Threshold is <= 0 or > 1 || double.IsNaN(Threshold) ? $"threshold {Threshold} must lie in (0, 1]"
        : MaxConcurrentMigrations is < 1 or > 64 ? $"maxConcurrentMigrations {MaxConcurrentMigrations} must lie in 1..64"
        : null;
}
