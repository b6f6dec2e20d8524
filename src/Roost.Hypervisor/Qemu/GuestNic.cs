using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// A VM's one network card: a virtio NIC on the network named <paramref name="Network"/> (a name the agent maps to one
/// of its own bridges; only names in the agent's allow-list are accepted), with the guest's IPv4 address and prefix
/// (<paramref name="Address"/>, CIDR form, e.g. <c>10.70.0.5/24</c>) and an optional default gateway. The guest's init
/// configures eth0 from the kernel command line, so the guest needs no DHCP. The MAC is derived from the VM id
/// (<see cref="MacFor"/>): the same on both sides of a migration, locally administered, unicast.
/// </summary>
public sealed partial record GuestNic(string Network, string Address, string? Gateway = null)
{
    /// <summary>Whether <paramref name="name"/> can name a network: the allow-list pattern for network names.</summary>
    public static bool IsValidNetworkName([NotNullWhen(true)] string? name) => name is not null && NetworkPattern().IsMatch(name);

    /// <summary>Null when the NIC is valid, else one line naming the wrong field.</summary>
    public string? Validate()
    {
        if (!IsValidNetworkName(Network))
        {
            return $"nic network '{Network}' must be 1 to 32 lower-case letters, digits or dashes, starting with a letter or digit";
        }

        if (!TryParseCidr(Address, out var address, out var prefix))
        {
            return $"nic address '{Address}' must be an IPv4 address with a prefix length from 8 to 30, e.g. 10.70.0.5/24";
        }

        var host = HostPart(address, prefix);
        if (host == 0 || host == (1u << (32 - prefix)) - 1)
        {
            return $"nic address '{Address}' is the network or broadcast address of its subnet";
        }

        if (Gateway is null)
        {
            return null;
        }

        if (!IPAddress.TryParse(Gateway, out var gateway) || gateway.AddressFamily != AddressFamily.InterNetwork
            || gateway.ToString() != Gateway)
        {
            return $"nic gateway '{Gateway}' must be an IPv4 address in dotted form";
        }

        return Network32(gateway) >> (32 - prefix) != Network32(address) >> (32 - prefix) || gateway.Equals(address)
            ? $"nic gateway '{Gateway}' must be another address inside {Address}'s subnet"
            : null;
    }

    /// <summary>
    /// The guest's kernel command-line words that configure eth0 (read by the guest's init). Only validated values
    /// reach it: digits, dots and one slash.
    /// </summary>
    public string KernelArguments() => Gateway is null ? $"roost.ip={Address}" : $"roost.ip={Address} roost.gw={Gateway}";

    /// <summary>
    /// The MAC of VM <paramref name="vmId"/>'s NIC: 02 (locally administered, unicast) then five bytes of SHA-256 of
    /// the id, so it never changes with the host and differs between VMs (a collision needs two ids sharing 40 bits of
    /// hash).
    /// </summary>
    public static string MacFor(string vmId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("roost nic " + vmId));
        return string.Join(':', new[] { (byte)0x02 }.Concat(hash.Take(5)).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// The host-side tap device of VM <paramref name="vmId"/> run by agent <paramref name="agentName"/>: "rt" and 12
    /// hex digits of a hash of both (14 characters, within the kernel's 15), so two agents in one network namespace
    /// never pick the same name, and nothing a client sent reaches the name unhashed.
    /// </summary>
    public static string TapNameFor(string agentName, string vmId) =>
        "rt" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(agentName + "/" + vmId)))[..12];

    /// <summary>A canonical one-line form of the NIC (or of none), for a migration ticket to bind.</summary>
    public static string Canonical(GuestNic? nic) => nic is null ? "-" : $"{nic.Network}|{nic.Address}|{nic.Gateway ?? "-"}";

    private static bool TryParseCidr(string? text, [NotNullWhen(true)] out IPAddress? address, out int prefix)
    {
        address = null;
        prefix = 0;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash < 0
            || !IPAddress.TryParse(text.AsSpan(0, slash), out var parsed) || parsed.AddressFamily != AddressFamily.InterNetwork
            || parsed.ToString() != text[..slash]
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
            || prefix is < 8 or > 30 || text[(slash + 1)..] != prefix.ToString(CultureInfo.InvariantCulture))
        {
            return false;
        }

        address = parsed;
        return true;
    }

    private static uint Network32(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }

    private static uint HostPart(IPAddress address, int prefix) => Network32(address) & ((1u << (32 - prefix)) - 1);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex NetworkPattern();
}
