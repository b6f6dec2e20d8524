using System.Globalization;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// Everything a lab is made of, derived from its name and options alone (no I/O): the network namespaces, the
/// interfaces and addresses inside them, the shaping parameters, and the commands that build them.
/// </summary>
/// <remarks>
/// <code>
///  roost-NAME-s1                      roost-NAME-wan                      roost-NAME-s2
///  br0 10.77.1.1/24                   s1 ─┐                   ┌─ s2       br0 10.77.2.1/24
///  wan0 10.77.0.1/24 ══ veth ══════════ (tbf)  relay: delay    (tbf) ══════ veth ══ wan0 10.77.0.2/24
///  (tbf on egress)                        └── learning switch ──┘                   (tbf on egress)
/// </code>
/// Each site is a router: its own LAN (bridge <c>br0</c>, 10.77.S.1/24, where agents bind and guests' taps join)
/// and an uplink <c>wan0</c> on the transit network 10.77.0.0/24 with a route to every other site's LAN. The
/// uplink and its peer in the wan namespace are shaped to the bandwidth on egress (so each site's access link is
/// rate-limited both ways), carry 1600-byte packets (a VXLAN-encapsulated 1500-byte frame, 1550 bytes, fits, while
/// TCP between sites still sees an Ethernet-sized MTU as on a real WAN), and have checksum
/// and segmentation offloads off, so the relay reads exactly the frames a wire would carry. Interface names live
/// inside the lab's namespaces, so labs never collide on them; only namespace names are global, and they carry the
/// lab's name. IPv6 is off in every lab namespace (no autoconfiguration chatter on the WAN).
/// </remarks>
public sealed class WanLabLayout
{
    public const string BridgeName = "br0";
    public const string UplinkName = "wan0";
    public const int WanMtu = 1600;

    /// <summary>The smallest shaper burst: several full frames, so tbf never refuses a whole frame.</summary>
    public const long MinShaperBurstBytes = 16 * 1024;

    /// <summary>The smallest shaper queue (it is one bandwidth-delay product, or 5 ms at the link rate, otherwise).</summary>
    public const long MinShaperLimitBytes = 256 * 1024;

    /// <summary>
    /// TCP's buffer ceiling in the sites (tcp_rmem/tcp_wmem maximum; Linux's defaults of 6 and 4 MiB cap one
    /// connection at about 300 Mbit/s over 40 ms): 64 MiB, a long fat network's tuning, used only when needed.
    /// </summary>
    public const long TcpBufferMaxBytes = 64L * 1024 * 1024;

    /// <summary>The smallest relay queue per site (it is two bandwidth-delay products otherwise).</summary>
    public const long MinRelayQueueBytes = 1024 * 1024;

    public WanLabLayout(LabName name, WanLabOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Name = name;
        Options = options;
    }

    public LabName Name { get; }

    public WanLabOptions Options { get; }

    public string WanNamespace => $"roost-{Name}-wan";

    /// <summary>Every namespace of the lab: the wan namespace first, then the sites in order.</summary>
    public IReadOnlyList<string> Namespaces => [WanNamespace, .. SiteNumbers.Select(SiteNamespace)];

    /// <summary>Sites are numbered from 1.</summary>
    public IEnumerable<int> SiteNumbers => Enumerable.Range(1, Options.Sites);

    /// <summary>The relay's ports (in the wan namespace), one per site in site order.</summary>
    public IReadOnlyList<string> RelayPorts => [.. SiteNumbers.Select(PortName)];

    /// <summary>The relay adds half the round trip each way.</summary>
    public TimeSpan OneWayDelay => Options.RoundTrip / 2;

    /// <summary>tbf's bucket: 1 ms at the link rate, at least <see cref="MinShaperBurstBytes"/>.</summary>
    public long ShaperBurstBytes => Math.Max(MinShaperBurstBytes, Options.Bandwidth.BytesPerSecond / 1000);

    /// <summary>
    /// tbf's queue (the WAN's router buffer): one bandwidth-delay product, and at least 5 ms at the link rate and
    /// <see cref="MinShaperLimitBytes"/>, so a short round trip on a fast link does not drop what the kernel's
    /// softirq has not yet drained.
    /// </summary>
    public long ShaperLimitBytes => Math.Max(MinShaperLimitBytes, Math.Max(Options.BandwidthDelayBytes, Options.Bandwidth.BytesPerSecond / 200));

    /// <summary>
    /// What the relay may hold per site: shaped traffic keeps half a bandwidth-delay product in flight each way, so
    /// two products (at least <see cref="MinRelayQueueBytes"/>) leave room for bursts and drop only when the relay
    /// falls behind.
    /// </summary>
    public long RelayQueueBytes => Math.Max(MinRelayQueueBytes, 2 * Options.BandwidthDelayBytes);

    public string SiteNamespace(int site) => $"roost-{Name}-s{Check(site)}";

    public static string PortName(int site) => $"s{site.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The site's own address, on its bridge: where its agents listen.</summary>
    public string SiteAddress(int site) => $"10.77.{Check(site)}.1";

    /// <summary>The site's LAN: 10.77.S.0/24.</summary>
    public string SiteSubnet(int site) => $"10.77.{Check(site)}.0/24";

    /// <summary>The site's uplink address on the transit network 10.77.0.0/24.</summary>
    public string TransitAddress(int site) => $"10.77.0.{Check(site)}";

    /// <summary>The steps that build the lab, in order. Each is safe to run once on a machine without the lab.</summary>
    public IReadOnlyList<LabStep> UpSteps()
    {
        var steps = new List<LabStep>
        {
            new LabStep.Command(new("ip", ["-batch", "-"], [.. Namespaces.Select(ns => $"netns add {ns}")])),

            // Before any interface exists, so 'default' reaches all of them.
            new LabStep.Tune(WanNamespace, [Set("net.ipv6.conf.all.disable_ipv6", "1"), Set("net.ipv6.conf.default.disable_ipv6", "1")], []),
        };
        foreach (var site in SiteNumbers)
        {
            steps.Add(new LabStep.Tune(
                SiteNamespace(site),
                [
                    Set("net.ipv6.conf.all.disable_ipv6", "1"),
                    Set("net.ipv6.conf.default.disable_ipv6", "1"),
                    Set("net.ipv4.ip_forward", "1"),
                    Set("net.ipv4.tcp_rmem", $"4096 131072 {TcpBufferMaxBytes}"),
                    Set("net.ipv4.tcp_wmem", $"4096 16384 {TcpBufferMaxBytes}"),
                ],
                []));
        }

        var mtu = WanMtu.ToString(CultureInfo.InvariantCulture);
        steps.Add(new LabStep.Command(new("ip", ["-n", WanNamespace, "-batch", "-"], [.. SiteNumbers.SelectMany(site => new[]
        {
            $"link add {PortName(site)} mtu {mtu} type veth peer name {UplinkName} mtu {mtu} netns {SiteNamespace(site)}",
            $"link set {PortName(site)} up",
        })])));
        foreach (var site in SiteNumbers)
        {
            steps.Add(new LabStep.Command(new("ip", ["-n", SiteNamespace(site), "-batch", "-"],
            [
                "link set lo up",
                $"link add {BridgeName} type bridge",
                $"addr add {SiteAddress(site)}/24 dev {BridgeName}",
                $"link set {BridgeName} up",
                $"addr add {TransitAddress(site)}/24 dev {UplinkName}",
                $"link set {UplinkName} up",
                .. SiteNumbers.Where(other => other != site).Select(other => $"route add {SiteSubnet(other)} via {TransitAddress(other)} dev {UplinkName}"),
            ])));
        }

        steps.Add(new LabStep.Tune(WanNamespace, [], RelayPorts));
        steps.AddRange(SiteNumbers.Select(site => new LabStep.Tune(SiteNamespace(site), [], [UplinkName])));
        steps.Add(new LabStep.Command(new("tc", ["-n", WanNamespace, "-batch", "-"], [.. SiteNumbers.Select(site => Shaper(PortName(site)))])));
        steps.AddRange(SiteNumbers.Select(site => new LabStep.Command(new("tc", ["-n", SiteNamespace(site), "-batch", "-"], [Shaper(UplinkName)]))));
        return steps;
    }

    /// <summary>The argument list that runs <paramref name="file"/> in a site: <c>ip netns exec roost-NAME-sS file args…</c>.</summary>
    public IReadOnlyList<string> InSite(int site, string file, IEnumerable<string> arguments) =>
        ["netns", "exec", SiteNamespace(site), file, .. arguments];

    private string Shaper(string device) => string.Create(
        CultureInfo.InvariantCulture,
        $"qdisc replace dev {device} root tbf rate {Options.Bandwidth.BitsPerSecond}bit burst {ShaperBurstBytes} limit {ShaperLimitBytes}");

    private static KeyValuePair<string, string> Set(string name, string value) => new(name, value);

    private int Check(int site)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(site, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(site, Options.Sites);
        return site;
    }
}
