using System.Diagnostics.CodeAnalysis;

namespace Roost.Controller.Api;

/// <summary>
/// Put a host into maintenance (its VMs are evacuated and it takes no new ones) or take it out: <c>enabled</c>,
/// required, true or false.
/// </summary>
public sealed record MaintenanceRequest(bool? Enabled) : IRequestBody<bool>
{
    public static IReadOnlyList<string> RequiredFields { get; } = ["enabled"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out bool command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        command = errors.Flag("enabled", Enabled);
        return errors.IsEmpty;
    }
}
