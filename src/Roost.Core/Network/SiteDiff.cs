namespace Roost.Core.Network;

/// <summary>
/// The changes that turn what a site's kernel holds (<see cref="ObservedSite"/>) into its plan. Pure and
/// deterministic; applied in order they reach the plan from any state (a restart, a crash half way, a hand edit), and
/// an empty list means the kernel already matches. Removals come first, so a deleted VPC leaves nothing behind.
/// </summary>
public static class SiteDiff
{
    public static IReadOnlyList<KernelChange> Changes(SiteNetworkPlan plan, ObservedSite observed)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(observed);
        var changes = new List<KernelChange>();
        var links = observed.Links.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var tunnels = plan.Tunnels.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var enterprises = plan.Enterprises.ToDictionary(e => e.SiteLink, StringComparer.Ordinal);
        var bridges = plan.Bridges.ToDictionary(b => b.Name, StringComparer.Ordinal);
        var namespaces = observed.Enterprises.ToDictionary(e => e.Namespace, StringComparer.Ordinal);

        // Removals: tunnels and enterprise links before bridges, each only if it is not exactly as planned.
        var staleTunnels = observed.Links.Where(l => l.Name.StartsWith("vx", StringComparison.Ordinal)
            && !(tunnels.TryGetValue(l.Name, out var t) && TunnelMatches(t, l))).ToList();
        var staleEnterprises = observed.Links.Where(l => l.Name.StartsWith("ve", StringComparison.Ordinal)
            && !(enterprises.TryGetValue(l.Name, out var e) && EnterpriseMatches(e, l, namespaces))).ToList();
        var staleBridges = observed.Links.Where(l => l.Name.StartsWith("vb", StringComparison.Ordinal)
            && !(bridges.ContainsKey(l.Name) && l.Kind == "bridge")).ToList();
        changes.AddRange(new[] { staleTunnels, staleEnterprises, staleBridges }
            .SelectMany(group => group.Select(l => l.Name).Order(StringComparer.Ordinal))
            .Select(name => new KernelChange.DeleteLink(name)));
        var planned = plan.Enterprises.Select(e => e.Namespace).ToHashSet(StringComparer.Ordinal);
        changes.AddRange(observed.Enterprises.Where(e => !planned.Contains(e.Namespace))
            .Select(e => e.Namespace).Order(StringComparer.Ordinal).Select(ns => new KernelChange.DeleteNamespace(ns)));
        var gone = changes.OfType<KernelChange.DeleteLink>().Select(d => d.Name).ToHashSet(StringComparer.Ordinal);

        foreach (var bridge in plan.Bridges)
        {
            if (!links.TryGetValue(bridge.Name, out var link) || gone.Contains(bridge.Name))
            {
                changes.Add(new KernelChange.EnsureBridge(bridge, Exists: false));
                if (bridge.GatewayCidr is { } cidr)
                {
                    changes.Add(new KernelChange.AddAddress(bridge.Name, cidr));
                }

                continue;
            }

            if (!link.Mac.Equals(bridge.Mac, StringComparison.OrdinalIgnoreCase) || link.Mtu != SiteFabric.SegmentMtu || !link.Up)
            {
                changes.Add(new KernelChange.EnsureBridge(bridge, Exists: true));
            }

            string[] wanted = bridge.GatewayCidr is { } gateway ? [gateway] : [];
            changes.AddRange(link.Addresses.Except(wanted, StringComparer.Ordinal).Order(StringComparer.Ordinal)
                .Select(cidr => new KernelChange.RemoveAddress(bridge.Name, cidr)));
            changes.AddRange(wanted.Except(link.Addresses, StringComparer.Ordinal)
                .Select(cidr => new KernelChange.AddAddress(bridge.Name, cidr)));
        }

        foreach (var tunnel in plan.Tunnels)
        {
            if (!links.TryGetValue(tunnel.Name, out var link) || gone.Contains(tunnel.Name) || link.Tunnel is not { } observedTunnel)
            {
                changes.Add(new KernelChange.CreateTunnel(tunnel));
                continue;
            }

            changes.AddRange(observedTunnel.FloodTo.Except(tunnel.FloodTo).Order().Select(d => new KernelChange.RemoveFlood(tunnel.Name, d)));
            changes.AddRange(tunnel.FloodTo.Except(observedTunnel.FloodTo).Order().Select(d => new KernelChange.AddFlood(tunnel.Name, d)));
        }

        foreach (var enterprise in plan.Enterprises)
        {
            if (!links.ContainsKey(enterprise.SiteLink) || gone.Contains(enterprise.SiteLink))
            {
                changes.Add(new KernelChange.CreateEnterprise(enterprise, namespaces.ContainsKey(enterprise.Namespace)));
            }
        }

        if (plan.Filter is null && observed.FilterDigest is not null)
        {
            changes.Add(new KernelChange.RemoveFilter());
        }
        else if (plan.Filter is { } filter && observed.FilterDigest != filter.Digest)
        {
            changes.Add(new KernelChange.ApplyFilter(filter));
        }

        if (plan.Shaping is null && observed.Shaping is not null)
        {
            changes.Add(new KernelChange.RemoveShaping(plan.Fabric.Uplink));
        }
        else if (plan.Shaping is { } shaping && !ShapingMatches(shaping, observed.Shaping, plan.Fabric.Shaper is null))
        {
            changes.Add(new KernelChange.ApplyShaping(shaping, observed.Shaping is not null));
        }

        return changes;
    }

    private static bool TunnelMatches(TunnelPlan plan, ObservedLink link) =>
        link is { Kind: "vxlan", Up: true, Mtu: SiteFabric.SegmentMtu, Tunnel: { } t }
        && link.Master == plan.Bridge && link.Mac.Equals(plan.Mac, StringComparison.OrdinalIgnoreCase)
        && t.Vni == plan.Vni && t.Local == plan.Local && t.Port == SiteFabric.VxlanPort && t.Underlay == plan.Underlay && t.Learning;

    private static bool EnterpriseMatches(EnterprisePlan plan, ObservedLink link, Dictionary<string, ObservedEnterprise> namespaces) =>
        link is { Kind: "veth", Up: true, Mtu: SiteFabric.SegmentMtu }
        && link.Master == plan.Bridge && link.Mac.Equals(plan.SiteMac, StringComparison.OrdinalIgnoreCase)
        && namespaces.TryGetValue(plan.Namespace, out var ns)
        && ns.InnerAddresses is { } addresses && addresses.SequenceEqual([plan.Cidr], StringComparer.Ordinal);

    private static bool ShapingMatches(ShapingPlan plan, ObservedShaping? observed, bool atRoot)
    {
        if (observed is null || (observed.Parent == "root") != atRoot || observed.DefaultMinor != SitePlanner.DefaultClassMinor)
        {
            return false;
        }

        var link = plan.LinkBitsPerSecond;
        var wanted = new Dictionary<int, (long Rate, long Ceil)>
        {
            [SitePlanner.RootClassMinor] = (link, link),
            [SitePlanner.DefaultClassMinor] = (plan.DefaultBitsPerSecond, link),
        };
        foreach (var c in plan.Classes)
        {
            wanted[c.Minor] = (c.BitsPerSecond, link);
        }

        return wanted.Count == observed.Classes.Count
            && wanted.All(w => observed.Classes.TryGetValue(w.Key, out var o) && o == w.Value)
            && plan.Classes.Count == observed.FilterByVni.Count
            && plan.Classes.All(c => observed.FilterByVni.TryGetValue(c.Vni, out var minor) && minor == c.Minor);
    }
}
