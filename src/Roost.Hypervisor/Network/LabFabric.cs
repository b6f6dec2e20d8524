using Roost.Core.Network;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Network;

/// <summary>The VPC fabric of a multi-site lab's site: its transit address as the VXLAN underlay, wan0 and its tbf as the uplink.</summary>
public static class LabFabric
{
    public static SiteFabric For(WanLabLayout layout, int site)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _ = layout.SiteNamespace(site); // range check
        return new SiteFabric(
            site,
            Address(layout.TransitAddress(site)),
            [.. layout.SiteNumbers.Where(s => s != site).Select(s => Address(layout.TransitAddress(s)))],
            WanLabLayout.UplinkName,
            layout.Options.Bandwidth.BitsPerSecond,
            [WanLabLayout.BridgeName, WanLabLayout.UplinkName],
            layout.SiteNamespace(site),
            new UplinkShaper(layout.ShaperBurstBytes, layout.ShaperLimitBytes));
    }

    private static uint Address(string text) =>
        Ipv4Subnet.TryParseAddress(text, out var address) ? address : throw new InvalidOperationException($"lab address '{text}' is not IPv4");
}
