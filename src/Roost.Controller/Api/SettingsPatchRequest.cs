using System.Diagnostics.CodeAnalysis;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// A change to some run-time settings (<c>PATCH /api/settings</c>): any of <c>mode</c>, <c>threshold</c>,
/// <c>maxConcurrentMigrations</c>, <c>placement</c>, each with the range <see cref="SettingsRequest"/> gives; at least
/// one. The others keep their values.
/// </summary>
public sealed record SettingsPatchRequest(string? Mode, double? Threshold, int? MaxConcurrentMigrations, string? Placement = null) : IRequestBody<SettingsPatch>
{
    public static IReadOnlyList<string> RequiredFields { get; } = [];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out SettingsPatch? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (Mode is null && Threshold is null && MaxConcurrentMigrations is null && Placement is null)
        {
            errors.Add("body", "required: at least one of mode, threshold, maxConcurrentMigrations, placement");
        }

        var patch = new SettingsPatch(
            Mode is null ? null : errors.Enum<ControlMode>("mode", Mode),
            Threshold is null ? null : errors.Number("threshold", Threshold, 0, ControllerSettings.MaxThreshold),
            MaxConcurrentMigrations is null ? null : errors.WholeNumber("maxConcurrentMigrations", MaxConcurrentMigrations, 1, ControllerSettings.MaxConcurrentMigrationsLimit),
            errors.OptionalEnum<PlacementPolicy>("placement", Placement));
        command = errors.IsEmpty ? patch : null;
        return command is not null;
    }
}
