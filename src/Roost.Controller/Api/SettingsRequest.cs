using System.Diagnostics.CodeAnalysis;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// New run-time settings, all required: <c>mode</c> (manual or automatic), <c>threshold</c> (fraction of capacity
/// that makes a host hot, in (0, 1]), <c>maxConcurrentMigrations</c> (1..64); <c>placement</c> (spread, firstFit or
/// sharing) is optional and keeps spread when absent.
/// </summary>
public sealed record SettingsRequest(string? Mode, double? Threshold, int? MaxConcurrentMigrations, string? Placement = null) : IRequestBody<ControllerSettings>
{
    public static IReadOnlyList<string> RequiredFields { get; } = ["mode", "threshold", "maxConcurrentMigrations"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out ControllerSettings? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var settings = new ControllerSettings(
            errors.Enum<ControlMode>("mode", Mode),
            errors.Number("threshold", Threshold, 0, ControllerSettings.MaxThreshold),
            errors.WholeNumber("maxConcurrentMigrations", MaxConcurrentMigrations, 1, ControllerSettings.MaxConcurrentMigrationsLimit),
            errors.OptionalEnum<PlacementPolicy>("placement", Placement) ?? PlacementPolicy.Spread);
        command = errors.IsEmpty ? settings : null;
        return command is not null;
    }
}
