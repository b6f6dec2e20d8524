using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Roost.Core.Network;

/// <summary>
/// An IPv4 network: its first address (host bits zero) and prefix length, 16 to 29 for a VPC (at least the gateway,
/// two members and the enterprise fit; at most 65,534 hosts). Addresses are host-order <see cref="uint"/>s.
/// </summary>
public readonly record struct Ipv4Subnet
{
    public const int MinPrefix = 16;
    public const int MaxPrefix = 29;

    private Ipv4Subnet(uint network, int prefixLength)
    {
        Network = network;
        PrefixLength = prefixLength;
    }

    public uint Network { get; }

    public int PrefixLength { get; }

    public uint Mask => uint.MaxValue << (32 - PrefixLength);

    /// <summary>Usable host addresses: all but the network and broadcast address.</summary>
    public long HostCount => (1L << (32 - PrefixLength)) - 2;

    /// <summary>The gateway's address: the first host.</summary>
    public uint Gateway => Network + 1;

    public uint Broadcast => Network | ~Mask;

    public bool Contains(uint address) => (address & Mask) == Network;

    public bool Overlaps(Ipv4Subnet other) => Contains(other.Network) || other.Contains(Network);

    /// <summary>Whether <paramref name="address"/> is a host of this subnet (not its network or broadcast address).</summary>
    public bool IsHost(uint address) => Contains(address) && address != Network && address != Broadcast;

    /// <summary>Parses <c>A.B.C.D/P</c> in canonical form (no leading zeros, host bits zero); else one line saying why.</summary>
    public static bool TryParse(string? text, out Ipv4Subnet subnet, [NotNullWhen(false)] out string? error)
    {
        subnet = default;
        var slash = text?.IndexOf('/', StringComparison.Ordinal) ?? -1;
        if (text is null || slash < 0 || !TryParseAddress(text[..slash], out var address)
            || !int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || text[(slash + 1)..] != prefix.ToString(CultureInfo.InvariantCulture))
        {
            error = $"'{text}' is not an IPv4 subnet (A.B.C.D/P, e.g. 10.0.0.0/24)";
            return false;
        }

        if (prefix is < MinPrefix or > MaxPrefix)
        {
            error = $"'{text}': the prefix length must be from {MinPrefix} to {MaxPrefix}";
            return false;
        }

        var candidate = new Ipv4Subnet(address, prefix);
        if ((address & ~candidate.Mask) != 0)
        {
            error = $"'{text}' has host bits set (did you mean {FormatAddress(address & candidate.Mask)}/{prefix}?)";
            return false;
        }

        subnet = candidate;
        error = null;
        return true;
    }

    public static Ipv4Subnet Parse(string text) =>
        TryParse(text, out var subnet, out var error) ? subnet : throw new FormatException(error);

    /// <summary>Parses a dotted IPv4 address in canonical form (four decimal numbers 0-255, no leading zeros).</summary>
    public static bool TryParseAddress(string? text, out uint address)
    {
        address = 0;
        var parts = text?.Split('.') ?? [];
        if (parts.Length != 4)
        {
            return false;
        }

        foreach (var part in parts)
        {
            if (!byte.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet)
                || part != octet.ToString(CultureInfo.InvariantCulture))
            {
                return false;
            }

            address = (address << 8) | octet;
        }

        return true;
    }

    public static string FormatAddress(uint address) => string.Create(
        CultureInfo.InvariantCulture,
        $"{address >> 24}.{(address >> 16) & 0xff}.{(address >> 8) & 0xff}.{address & 0xff}");

    /// <summary><paramref name="address"/> with this subnet's prefix length: <c>10.0.0.5/24</c>.</summary>
    public string Cidr(uint address) => string.Create(CultureInfo.InvariantCulture, $"{FormatAddress(address)}/{PrefixLength}");

    public override string ToString() => Cidr(Network);
}
