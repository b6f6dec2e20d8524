namespace Roost.Core.Network;

/// <summary>One step that brings a site's kernel toward its plan. Closed set: the host side turns each into commands.</summary>
public abstract record KernelChange
{
    private KernelChange()
    {
    }

    /// <summary>Deletes a link (a bridge's ports stay, detached; a veth takes its peer with it).</summary>
    public sealed record DeleteLink(string Name) : KernelChange;

    public sealed record DeleteNamespace(string Name) : KernelChange;

    /// <summary>Creates the bridge (or fixes its MAC, MTU and state in place, so ports such as guests' taps stay attached).</summary>
    public sealed record EnsureBridge(BridgePlan Bridge, bool Exists) : KernelChange;

    public sealed record AddAddress(string Link, string Cidr) : KernelChange;

    public sealed record RemoveAddress(string Link, string Cidr) : KernelChange;

    /// <summary>Creates the VXLAN device, attaches it to its bridge with the segment's MTU, brings it up and adds its floods.</summary>
    public sealed record CreateTunnel(TunnelPlan Tunnel) : KernelChange;

    public sealed record AddFlood(string Link, uint Destination) : KernelChange;

    public sealed record RemoveFlood(string Link, uint Destination) : KernelChange;

    /// <summary>Creates the enterprise namespace if missing, its veth into the bridge, and the enterprise's address.</summary>
    public sealed record CreateEnterprise(EnterprisePlan Enterprise, bool NamespaceExists) : KernelChange;

    /// <summary>Replaces the filter table atomically with the plan's.</summary>
    public sealed record ApplyFilter(FilterPlan Filter) : KernelChange;

    public sealed record RemoveFilter : KernelChange;

    /// <summary>Builds the htb anew under the uplink's shaper, first removing Roost's htb when one <paramref name="Exists"/>.</summary>
    public sealed record ApplyShaping(ShapingPlan Shaping, bool Exists) : KernelChange;

    /// <summary>Removes the htb and restores the uplink's shaper (or removes the root htb when there was none).</summary>
    public sealed record RemoveShaping(string Uplink) : KernelChange;
}
