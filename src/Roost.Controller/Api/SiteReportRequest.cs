using System.Diagnostics.CodeAnalysis;
using Roost.Hypervisor.Network;

namespace Roost.Controller.Api;

/// <summary>
/// A site agent's report after reconciling its kernel (the body of <c>PUT /api/network/sites/{site}</c>, written by
/// <see cref="ControllerNetworkClient"/> as a <see cref="SiteNetworkReport"/>): the site's uplink rate in Mbit/s
/// (required, 1 to 1,000,000), the intent version it reconciled to (required, 16 lower-case hex digits), the changes
/// applied (required, 0 to 100,000) and the failure, if any (at most 1,000 characters, no control characters).
/// </summary>
public sealed record SiteReportRequest(int? UplinkMbps, string? Version, int? Changes, string? Error) : IRequestBody<SiteNetworkReport>
{
    public const int MaxErrorLength = 1000;

    public static IReadOnlyList<string> RequiredFields { get; } = ["uplinkMbps", "version", "changes"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out SiteNetworkReport? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var uplink = errors.WholeNumber("uplinkMbps", UplinkMbps, 1, CreateVpcRequest.MaxReservedMbps);
        var changes = errors.WholeNumber("changes", Changes, 0, 100_000);
        if (Version is null)
        {
            errors.Add("version", "is required (16 lower-case hex digits)");
        }
        else if (Version.Length != 16 || !Version.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            errors.Add("version", $"'{FieldErrors.Printable(Version)}' is not 16 lower-case hex digits");
        }

        var error = Error is null ? null : errors.Name("error", Error, MaxErrorLength, "");
        command = errors.IsEmpty && Version is not null ? new SiteNetworkReport(uplink, Version, changes, error) : null;
        return command is not null;
    }
}
