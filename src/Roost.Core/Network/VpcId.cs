using System.Globalization;

namespace Roost.Core.Network;

/// <summary>
/// Identifies a virtual private cloud for its whole life. Every kernel name of the VPC is derived from this number
/// alone (never from a user's string), so each is short, unique per site and safe to hand to <c>ip</c>/<c>tc</c>/<c>nft</c>:
/// bridge <c>vbN</c>, VXLAN device <c>vxN</c> with VNI N, enterprise link <c>veN</c>.
/// </summary>
public readonly record struct VpcId
{
    /// <summary>The largest id: "vb" + 6 digits stays within Linux's 15-character interface names, and below VXLAN's 2^24 VNIs.</summary>
    public const int MaxValue = 999_999;

    public VpcId(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        Value = value;
    }

    public int Value { get; }

    /// <summary>The VXLAN network identifier of the VPC's segment (one per VPC, equal to its id).</summary>
    public int Vni => Value;

    /// <summary>The VPC's bridge at every site.</summary>
    public string BridgeName => "vb" + Digits;

    /// <summary>The VPC's VXLAN device at every site (a port of its bridge).</summary>
    public string TunnelName => "vx" + Digits;

    /// <summary>The site end of the enterprise's veth (a port of the VPC's bridge).</summary>
    public string EnterpriseLinkName => "ve" + Digits;

    /// <summary>The network name an agent maps to <see cref="BridgeName"/> (a VM's NIC asks for it).</summary>
    public string NetworkName => "vpc-" + Digits;

    private string Digits => Value.ToString(CultureInfo.InvariantCulture);

    public override string ToString() => "vpc-" + Digits;

    /// <summary>The VPC whose kernel name <paramref name="name"/> is with prefix <paramref name="prefix"/> (vb, vx, ve), if it is one.</summary>
    public static VpcId? FromKernelName(string name, string prefix)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(prefix);
        if (!name.StartsWith(prefix, StringComparison.Ordinal) || name.Length == prefix.Length || name.Length > prefix.Length + 6 || name[prefix.Length] == '0')
        {
            return null;
        }

        var digits = name.AsSpan(prefix.Length);
        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return null;
            }
        }

        return new VpcId(int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture));
    }
}
