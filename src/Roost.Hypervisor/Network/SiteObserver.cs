using System.Globalization;
using System.Text.Json;
using Roost.Core.Network;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Network;

/// <summary>
/// Reads what a site's kernel holds of Roost's VPCs (<see cref="ObservedSite"/>): <c>ip -j -d addr</c> for links and
/// addresses, <c>bridge -j fdb</c> for VXLAN floods, the enterprise namespaces of the site's prefix, <c>nft -j</c> for
/// the filter table's digest, and tc for the uplink's htb (classes as text: iproute2 6.1 prints htb classes in no
/// JSON). Objects without Roost's names are left out.
/// </summary>
internal static class SiteObserver
{
    private const string FloodMac = "00:00:00:00:00:00";

    public static async Task<ObservedSite> ObserveAsync(SiteFabric fabric, string? siteNamespace, CancellationToken cancellationToken)
    {
        var addresses = await RunAsync("ip", [.. Netns(siteNamespace), "-j", "-d", "addr", "show"], cancellationToken).ConfigureAwait(false);
        var fdb = await RunAsync("bridge", [.. Netns(siteNamespace), "-j", "fdb", "show"], cancellationToken).ConfigureAwait(false);
        var links = Parsed("ip -j -d addr show / bridge -j fdb show", () => ParseLinks(addresses, fdb));

        var enterprises = new List<ObservedEnterprise>();
        foreach (var ns in EnterpriseNamespaces(fabric))
        {
            var (result, output) = await WanLab.RunCapturingAsync("ip", ["-n", ns, "-j", "addr", "show", "dev", SitePlanner.EnterpriseInnerLink], cancellationToken).ConfigureAwait(false);
            enterprises.Add(new ObservedEnterprise(ns, result.ExitCode == 0 ? Parsed($"ip -n {ns} -j addr show", () => ParseInnerAddresses(output)) : null));
        }

        var qdiscText = await RunAsync("tc", [.. Netns(siteNamespace), "-j", "qdisc", "show", "dev", fabric.Uplink], cancellationToken).ConfigureAwait(false);
        var qdiscs = Parsed("tc -j qdisc show", () => Json(qdiscText));
        var rootTbf = Parsed("tc -j qdisc show", () => qdiscs.EnumerateArray().FirstOrDefault(q => q.TryGetProperty("root", out var r) && r.ValueKind == JsonValueKind.True && Text(q, "kind") == "tbf"));
        return new ObservedSite(
            links,
            enterprises,
            await FilterDigestAsync(siteNamespace, cancellationToken).ConfigureAwait(false),
            await ShapingAsync(qdiscs, fabric.Uplink, siteNamespace, cancellationToken).ConfigureAwait(false),
            Text(rootTbf, "handle"));
    }

    /// <summary>Roost's links from <c>ip -j -d addr show</c>, with the VXLAN floods from <c>bridge -j fdb show</c>; throws <see cref="IOException"/> on output of another shape.</summary>
    internal static IReadOnlyList<ObservedLink> ParseLinks(string addressJson, string fdbJson) => Parsed("ip -j -d addr show / bridge -j fdb show", () =>
    {
        var floods = new Dictionary<string, List<uint>>(StringComparer.Ordinal);
        foreach (var entry in Json(fdbJson).EnumerateArray())
        {
            if (Text(entry, "mac") == FloodMac && Text(entry, "ifname") is { } device && Text(entry, "dst") is { } dst
                && Ipv4Subnet.TryParseAddress(dst, out var address))
            {
                (floods.TryGetValue(device, out var list) ? list : floods[device] = []).Add(address);
            }
        }

        var observed = new List<ObservedLink>();
        foreach (var link in Json(addressJson).EnumerateArray())
        {
            if (Text(link, "ifname") is not { } name || !IsRoostLink(name))
            {
                continue;
            }

            var info = link.TryGetProperty("linkinfo", out var li) ? li : default;
            var kind = info.ValueKind == JsonValueKind.Object ? Text(info, "info_kind") ?? "" : "";
            var addresses = link.TryGetProperty("addr_info", out var ai) ? Inet(ai) : [];
            ObservedTunnel? tunnel = null;
            if (kind == "vxlan" && info.TryGetProperty("info_data", out var data))
            {
                uint? local = Text(data, "local") is { } l && Ipv4Subnet.TryParseAddress(l, out var parsed) ? parsed : null;
                tunnel = new ObservedTunnel(
                    data.TryGetProperty("id", out var id) ? id.GetInt32() : 0,
                    local,
                    data.TryGetProperty("port", out var port) ? port.GetInt32() : 0,
                    Text(data, "link"),
                    data.TryGetProperty("learning", out var learning) && learning.ValueKind == JsonValueKind.True,
                    floods.TryGetValue(name, out var f) ? [.. f.Order()] : []);
            }

            var flags = link.TryGetProperty("flags", out var fl) ? fl.EnumerateArray().Select(x => x.GetString()).ToList() : [];
            observed.Add(new ObservedLink(
                name,
                kind,
                Text(link, "master"),
                link.TryGetProperty("mtu", out var mtu) ? mtu.GetInt32() : 0,
                flags.Contains("UP"),
                Text(link, "address") ?? "",
                addresses,
                tunnel));
        }

        return observed.OrderBy(l => l.Name, StringComparer.Ordinal).ToList();
    });

    /// <summary>The IPv4 addresses (CIDR) of <c>ip -j addr show dev lan0</c> in an enterprise namespace.</summary>
    internal static IReadOnlyList<string> ParseInnerAddresses(string json) => Parsed<IReadOnlyList<string>>(
        "ip -j addr show",
        () => [.. Json(json).EnumerateArray().SelectMany(l => l.TryGetProperty("addr_info", out var ai) ? Inet(ai) : [])]);

    /// <summary>The digest Roost's filter table carries in <c>nft -j list table</c>, or <see cref="ObservedSite.UnknownDigest"/>.</summary>
    internal static string ParseFilterDigest(string json) => Parsed("nft -j list table", () =>
    {
        foreach (var item in Json(json).GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("rule", out var rule) && Text(rule, "comment") is { } comment
                && comment.StartsWith(SitePlanner.DigestComment, StringComparison.Ordinal))
            {
                return comment[SitePlanner.DigestComment.Length..];
            }
        }

        return ObservedSite.UnknownDigest;
    });

    /// <summary>The enterprise namespaces of this site: the fabric's prefix, 'e' and a VPC id.</summary>
    public static IEnumerable<string> EnterpriseNamespaces(SiteFabric fabric) =>
        (Directory.Exists("/run/netns") ? Directory.EnumerateFiles("/run/netns").Select(Path.GetFileName).OfType<string>() : [])
            .Where(ns => ns.StartsWith(fabric.EnterpriseNamespacePrefix, StringComparison.Ordinal)
                && VpcId.FromKernelName(ns[fabric.EnterpriseNamespacePrefix.Length..], "e") is not null)
            .Order(StringComparer.Ordinal);

    public static IReadOnlyList<string> Netns(string? siteNamespace) => siteNamespace is null ? [] : ["-n", siteNamespace];

    private static bool IsRoostLink(string name) =>
        VpcId.FromKernelName(name, "vb") is not null || VpcId.FromKernelName(name, "vx") is not null || VpcId.FromKernelName(name, "ve") is not null;

    private static async Task<string?> FilterDigestAsync(string? siteNamespace, CancellationToken cancellationToken)
    {
        string[] nft = ["nft", "-j", "list", "table", "inet", SitePlanner.FilterTable];
        var (result, output) = siteNamespace is null
            ? await WanLab.RunCapturingAsync("nft", nft[1..], cancellationToken).ConfigureAwait(false)
            : await WanLab.RunCapturingAsync("ip", ["netns", "exec", siteNamespace, .. nft], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            if (result.StandardError.Contains("No such file or directory", StringComparison.Ordinal))
            {
                return null;
            }

            throw new IOException($"nft list table inet {SitePlanner.FilterTable}: {result.FirstErrorLine}");
        }

        return ParseFilterDigest(output);
    }

    /// <summary>Roost's htb among the uplink's <paramref name="qdiscs"/> (<c>tc -j qdisc show</c>), with its classes and filters.</summary>
    private static async Task<ObservedShaping?> ShapingAsync(JsonElement qdiscs, string uplink, string? siteNamespace, CancellationToken cancellationToken)
    {
        var handle = SitePlanner.ShapingMajor.ToString("x", CultureInfo.InvariantCulture) + ":";
        var htb = Parsed("tc -j qdisc show", () => qdiscs.EnumerateArray().FirstOrDefault(q => Text(q, "kind") == "htb" && Text(q, "handle") == handle));
        if (htb.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var classes = await RunAsync("tc", [.. Netns(siteNamespace), "class", "show", "dev", uplink], cancellationToken).ConfigureAwait(false);
        var filters = await RunAsync("tc", [.. Netns(siteNamespace), "-j", "filter", "show", "dev", uplink, "parent", handle], cancellationToken).ConfigureAwait(false);
        return ParseShaping(htb, classes, filters);
    }

    /// <summary>Roost's htb (<paramref name="htb"/>, from <c>tc -j qdisc show</c>) with its classes (tc's text) and VNI filters (<c>tc -j filter show</c>).</summary>
    internal static ObservedShaping ParseShaping(JsonElement htb, string classText, string filterJson) => Parsed("tc -j filter show", () =>
    {
        var handle = SitePlanner.ShapingMajor.ToString("x", CultureInfo.InvariantCulture) + ":";
        var parent = htb.TryGetProperty("root", out var root) && root.ValueKind == JsonValueKind.True ? "root" : Text(htb, "parent") ?? "";
        var defaultMinor = htb.TryGetProperty("options", out var options) && Text(options, "default") is { } d
            && int.TryParse(d.AsSpan(d.StartsWith("0x", StringComparison.Ordinal) ? 2 : 0), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var m) ? m : -1;
        var filters = new Dictionary<int, int>();
        foreach (var filter in Json(filterJson).EnumerateArray())
        {
            if (!filter.TryGetProperty("options", out var o) || Text(o, "flowid") is not { } flowid || !flowid.StartsWith(handle, StringComparison.Ordinal))
            {
                continue;
            }

            // u32 prints each key as a "match" member (the same name repeated): the VNI is the one at offset 32.
            foreach (var member in o.EnumerateObject().Where(p => p.Name == "match"))
            {
                if (member.Value.TryGetProperty("off", out var off) && off.GetInt32() == 32
                    && uint.TryParse(Text(member.Value, "value"), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value)
                    && int.TryParse(flowid.AsSpan(handle.Length), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var minor))
                {
                    filters[(int)(value >> 8)] = minor;
                }
            }
        }

        return new ObservedShaping(parent, ParseClasses(classText, handle), filters, defaultMinor);
    });

    /// <summary>Reads "class htb 10:1f parent 10:1 ... rate 40Mbit ceil 100Mbit ..." lines into minor → (rate, ceil) in bit/s.</summary>
    internal static Dictionary<int, (long Rate, long Ceil)> ParseClasses(string text, string handle)
    {
        var classes = new Dictionary<int, (long, long)>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length < 3 || words[0] != "class" || words[1] != "htb" || !words[2].StartsWith(handle, StringComparison.Ordinal)
                || !int.TryParse(words[2].AsSpan(handle.Length), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var minor))
            {
                continue;
            }

            var rate = Array.IndexOf(words, "rate");
            var ceil = Array.IndexOf(words, "ceil");
            if (rate > 0 && ceil > 0 && rate + 1 < words.Length && ceil + 1 < words.Length
                && TryParseRate(words[rate + 1], out var r) && TryParseRate(words[ceil + 1], out var c))
            {
                classes[minor] = (r, c);
            }
        }

        return classes;
    }

    /// <summary>tc's printed rate ("40Mbit", "1500Kbit", "999bit"; decimal units, exact for whole Mbit/s) in bit/s.</summary>
    internal static bool TryParseRate(string text, out long bitsPerSecond)
    {
        bitsPerSecond = 0;
        if (!text.EndsWith("bit", StringComparison.Ordinal))
        {
            return false;
        }

        var number = text[..^3];
        long unit = 1;
        if (number.Length > 0 && "KMGT".IndexOf(number[^1], StringComparison.Ordinal) is var k and >= 0)
        {
            unit = (long)Math.Pow(1000, k + 1);
            number = number[..^1];
        }

        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            return false;
        }

        bitsPerSecond = checked(value * unit);
        return true;
    }

    private static async Task<string> RunAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var (result, output) = await WanLab.RunCapturingAsync(file, arguments, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0
            ? output
            : throw new IOException($"{file} {string.Join(' ', arguments)}: {result.FirstErrorLine}");
    }

    /// <summary>
    /// Runs a parse of a tool's output; output of an unexpected shape (not JSON, another type where a number or list
    /// belongs, a number beyond its type) becomes one line naming the tool, as an <see cref="IOException"/> the
    /// reconciler reports, never another exception.
    /// </summary>
    private static T Parsed<T>(string what, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or OverflowException or ArgumentException)
        {
            throw new IOException($"{what}: unexpected output ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static List<string> Inet(JsonElement addresses) =>
        [.. addresses.EnumerateArray().Where(a => Text(a, "family") == "inet")
            .Select(a => $"{Text(a, "local")}/{a.GetProperty("prefixlen").GetInt32().ToString(CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal)];

    private static JsonElement Json(string text) =>
        string.IsNullOrWhiteSpace(text) ? JsonDocument.Parse("[]").RootElement : JsonDocument.Parse(text).RootElement;

    private static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
