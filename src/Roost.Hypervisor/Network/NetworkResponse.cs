using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Roost.Core.Network;

namespace Roost.Hypervisor.Network;

/// <summary>
/// The whole network intent for agents (<c>GET /api/network</c>): what each site reconciles its kernel to. One wire
/// contract: the controller writes it, <c>roost vpc apply</c> and the agents' <see cref="SiteNetworkAgent"/> read it.
/// Its <see cref="Version"/> (the ETag) depends on the content alone, so a restarted controller serves the same one.
/// </summary>
public sealed record NetworkResponse(NetworkVpcDto[] Vpcs, NetworkMemberDto[] Members, NetworkRuleDto[] Rules)
{
    public static NetworkResponse From(NetworkIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return new NetworkResponse(
            [.. intent.Vpcs.Select(v => new NetworkVpcDto(v.Id.Value, v.Subnet.ToString(), v.ReservedMbps, v.Enterprise?.Site, v.Enterprise is { } e ? Ipv4Subnet.FormatAddress(e.Address) : null))],
            [.. intent.Members.Select(m => new NetworkMemberDto(m.Vpc.Value, m.VmId, Ipv4Subnet.FormatAddress(m.Address)))],
            [.. intent.Rules.Select(r => new NetworkRuleDto(r.From.Value, r.To?.Value))]);
    }

    /// <summary>A digest of the content (16 hex digits of SHA-256 over its JSON): equal intents, equal versions.</summary>
    public string Version() =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(this, JsonSerializerOptions.Web)))[..16];

    /// <summary>The intent back from the wire, checked: null and one line when anything is malformed or inconsistent.</summary>
    public NetworkIntent? ToIntent(out string? error)
    {
        try
        {
            var vpcs = (Vpcs ?? []).Select(NotNull).Select(v => new Vpc(
                new VpcId(v.Id),
                v.Id.ToString(CultureInfo.InvariantCulture),
                Ipv4Subnet.Parse(v.Subnet),
                v.ReservedMbps,
                v.EnterpriseSite is { } site ? new EnterpriseAttachment(site, Address(v.EnterpriseAddress)) : null)).ToList();
            var members = (Members ?? []).Select(NotNull).Select(m => new VpcMember(new VpcId(m.Vpc), m.Vm ?? throw new FormatException("a member names no VM"), Address(m.Address))).ToList();
            var rules = (Rules ?? []).Select(NotNull).Select(r => new VpcRule(new VpcId(r.From), r.To is { } to ? new VpcId(to) : null)).ToList();
            var intent = new NetworkIntent(vpcs, members, rules);
            error = intent.Validate();
            return error is null ? intent : null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            error = $"malformed network intent: {e.Message}";
            return null;
        }
    }

    private static T NotNull<T>(T? entry)
        where T : class => entry ?? throw new FormatException("a list holds null");

    private static uint Address(string? text) =>
        Ipv4Subnet.TryParseAddress(text, out var address) ? address : throw new FormatException($"'{text}' is not an IPv4 address");
}
