namespace Roost.Core.Network;

/// <summary>
/// What one site offers the VPCs (from the multi-site lab's layout or a real site's configuration): its number, its
/// address on the WAN (the VXLAN underlay) and every other site's, the uplink device toward the WAN and its rate in
/// bit/s (the reservations share it), the site's own interfaces (its LAN bridge and uplink: what a site rule opens),
/// the prefix of enterprise namespaces (<c>PREFIX</c> + <c>eN</c>), and the uplink's existing tbf shaper when the lab
/// made one (the reservations' htb then hangs below it and removing them restores it exactly).
/// </summary>
public sealed record SiteFabric(
    int Site,
    uint LocalUnderlay,
    IReadOnlyList<uint> PeerUnderlays,
    string Uplink,
    long UplinkBitsPerSecond,
    IReadOnlyList<string> SiteLinks,
    string EnterpriseNamespacePrefix,
    UplinkShaper? Shaper)
{
    /// <summary>VXLAN's IANA port.</summary>
    public const int VxlanPort = 4789;

    /// <summary>The guests' MTU: a full Ethernet payload. The underlay needs 50 bytes more (VXLAN over IPv4).</summary>
    public const int SegmentMtu = 1500;

    public const int VxlanOverheadBytes = 50;

    /// <summary>Null when every name is one Roost may hand to <c>ip</c>, else one line naming the first that is not.</summary>
    public string? Validate()
    {
        foreach (var link in SiteLinks.Append(Uplink))
        {
            if (!IsInterfaceName(link))
            {
                return $"site {Site}: '{link}' is not an interface name (1 to 15 letters, digits, '-' or '_')";
            }
        }

        if (EnterpriseNamespacePrefix.Length is < 1 or > 40 || !EnterpriseNamespacePrefix.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            return $"site {Site}: '{EnterpriseNamespacePrefix}' is not a namespace prefix (1 to 40 lower-case letters, digits or '-')";
        }

        return UplinkBitsPerSecond <= 0 ? $"site {Site}: uplink rate {UplinkBitsPerSecond} bit/s must be positive" : null;
    }

    /// <summary>A Linux interface name Roost will pass to ip: 1 to 15 ASCII letters, digits, '-' or '_'.</summary>
    public static bool IsInterfaceName(string? name) =>
        name is { Length: >= 1 and <= 15 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public string EnterpriseNamespace(VpcId vpc) => EnterpriseNamespacePrefix + "e" + vpc.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
