using System.Diagnostics.CodeAnalysis;
using Roost.Controller.Store;
using Roost.Core.Network;

namespace Roost.Controller.Api;

/// <summary>
/// A new VPC: its name (required, 1 to 100 characters, unique, not of the id form <c>vpc-N</c>; it never reaches the
/// kernel), its private IPv4 range (required, canonical CIDR with a prefix from 16 to 29; other tenants may use the
/// same range), a bandwidth reservation on each site's WAN uplink in Mbit/s (default 0: none) and the site where the
/// enterprise's LAN joins the segment (default: none).
/// </summary>
public sealed record CreateVpcRequest(string? Name, string? Subnet, int? ReservedMbps, int? EnterpriseSite) : IRequestBody<NewVpc>
{
    public const int MaxNameLength = 100;
    public const int MaxReservedMbps = 1_000_000;
    public const int MaxSite = 255;

    public static IReadOnlyList<string> RequiredFields { get; } = ["name", "subnet"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out NewVpc? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        command = null;
        if (Name is null)
        {
            errors.Add("name", "is required");
        }

        var name = errors.Name("name", Name, MaxNameLength, "");
        if (Name is not null && NameOrId.TryParseId(Name, "vpc-", out _))
        {
            errors.Add("name", $"'{Name}' has the form of a VPC id (ids are the controller's): choose another name");
        }

        var subnet = default(Ipv4Subnet);
        if (Subnet is null)
        {
            errors.Add("subnet", "is required (e.g. 10.0.0.0/24)");
        }
        else if (!Ipv4Subnet.TryParse(Subnet, out subnet, out var error))
        {
            errors.Add("subnet", FieldErrors.Printable(error));
        }

        var reserved = ReservedMbps is null ? 0 : errors.WholeNumber("reservedMbps", ReservedMbps, 0, MaxReservedMbps);
        int? site = EnterpriseSite is null ? null : errors.WholeNumber("enterpriseSite", EnterpriseSite, 1, MaxSite);
        command = errors.IsEmpty ? new NewVpc(name, subnet, reserved, site) : null;
        return command is not null;
    }
}
