using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using Roost.Core.Network;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Network;

namespace Roost.Hypervisor.Tests.Network;

/// <summary>
/// Stand-in members for namespace tests of VPCs: a namespace per member with a veth into its VPC's bridge at a site
/// (as a guest's tap would be), an address and a default route via the VPC's gateway, and a TCP server in it that
/// answers every connection with the member's name, so a test sees not only whether it connected but to whom.
/// </summary>
internal sealed class VpcTestKit : IAsyncDisposable
{
    private readonly List<string> _namespaces = [];
    private readonly List<Socket> _listeners = [];
    private readonly CancellationTokenSource _stop = new();

    public VpcTestKit(WanLab lab) => Lab = lab;

    public WanLab Lab { get; }

    public const int Port = 7000;

    public static SiteFabric Fabric(WanLab lab, int site) => LabFabric.For(lab.Layout, site);

    public string MemberNamespace(string name) => $"roost-{Lab.Name}-m{name}";

    /// <summary>Reconciles every site of the lab with <paramref name="intent"/>; fails the test with the reason if any site fails.</summary>
    public async Task<IReadOnlyList<KernelChange>> ReconcileAsync(NetworkIntent intent)
    {
        var applied = new List<KernelChange>();
        foreach (var site in Lab.Layout.SiteNumbers)
        {
            var result = await VpcReconciler.ReconcileAsync(intent, Fabric(Lab, site), Lab.Layout.SiteNamespace(site), CancellationToken.None);
            applied.AddRange(result switch
            {
                ReconcileResult.Converged c => c.Applied,
                ReconcileResult.Failed f => throw new InvalidOperationException(f.Reason),
                _ => throw new InvalidOperationException("unreachable"),
            });
        }

        return applied;
    }

    /// <summary>Adds member <paramref name="name"/> (a few letters) of <paramref name="vpc"/> at <paramref name="site"/> with <paramref name="address"/>, serving its name on <see cref="Port"/>.</summary>
    public async Task AddMemberAsync(string name, Vpc vpc, int site, uint address)
    {
        var ns = MemberNamespace(name);
        var siteNs = Lab.Layout.SiteNamespace(site);
        await RunAsync("ip", "netns", "add", ns);
        _namespaces.Add(ns);
        await RunAsync("ip", "-n", siteNs, "link", "add", "tm" + name, "mtu", "1500", "type", "veth", "peer", "name", "eth0", "netns", ns);
        await RunAsync("ip", "-n", siteNs, "link", "set", "tm" + name, "master", vpc.Id.BridgeName, "up");
        await RunAsync("ip", "-n", ns, "link", "set", "lo", "up");
        await RunAsync("ip", "-n", ns, "addr", "add", vpc.Subnet.Cidr(address), "dev", "eth0");
        await RunAsync("ip", "-n", ns, "link", "set", "eth0", "up");
        await RunAsync("ip", "-n", ns, "route", "add", "default", "via", Ipv4Subnet.FormatAddress(vpc.Subnet.Gateway));
        var listener = NetworkNamespace.Run(ns, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, Port));
            socket.Listen(16);
            return socket;
        });
        _listeners.Add(listener);
        _ = ServeAsync(listener, Encoding.ASCII.GetBytes(name + "\n"));
    }

    /// <summary>Serves "siteS" on the site router's own address (10.77.S.1), standing for the site's network.</summary>
    public void AddSiteServer(int site)
    {
        var listener = Lab.InSite(site, () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse(Lab.Layout.SiteAddress(site)), Port));
            socket.Listen(16);
            return socket;
        });
        _listeners.Add(listener);
        _ = ServeAsync(listener, Encoding.ASCII.GetBytes($"site{site}\n"));
    }

    /// <summary>
    /// Connects from namespace <paramref name="fromNamespace"/> to <paramref name="address"/>:<see cref="Port"/> and
    /// returns the name the server there sent, or null when no connection was made within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<string?> WhoAnswersAsync(string fromNamespace, uint address, TimeSpan timeout)
    {
        using var socket = NetworkNamespace.Run(fromNamespace, () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(new IPAddress(IPAddress.HostToNetworkOrder(unchecked((int)address))), Port), cts.Token);
            var buffer = new byte[64];
            var read = 0;
            while (read < buffer.Length && (read == 0 || buffer[read - 1] != '\n'))
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), cts.Token);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            return Encoding.ASCII.GetString(buffer, 0, read).Trim();
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// Sends from member <paramref name="from"/> to <paramref name="address"/>:<paramref name="port"/> over
    /// <paramref name="streams"/> TCP connections until <paramref name="stop"/> is cancelled; the receivers (started
    /// first with <see cref="SinkAsync"/>) count the bytes.
    /// </summary>
    public async Task SourceAsync(string from, uint address, int port, int streams, CancellationToken stop)
    {
        var block = new byte[64 * 1024];
        await Task.WhenAll(Enumerable.Range(0, streams).Select(async _ =>
        {
            using var socket = NetworkNamespace.Run(MemberNamespace(from), () => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
            await socket.ConnectAsync(new IPEndPoint(new IPAddress(IPAddress.HostToNetworkOrder(unchecked((int)address))), port), stop);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await socket.SendAsync(block, stop);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // Stopped.
            }
        }));
    }

    /// <summary>Listens in member <paramref name="at"/> on <paramref name="port"/> and adds every byte received to <paramref name="received"/>.</summary>
    public Task SinkAsync(string at, int port, StrongBox<long> received, CancellationToken stop)
    {
        var listener = NetworkNamespace.Run(MemberNamespace(at), () =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Any, port));
            socket.Listen(16);
            return socket;
        });
        _listeners.Add(listener);
        return Task.Run(
            async () =>
        {
            var readers = new List<Task>();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var client = await listener.AcceptAsync(stop);
                    readers.Add(Task.Run(
                        async () =>
                    {
                        using (client)
                        {
                            var buffer = new byte[64 * 1024];
                            try
                            {
                                int n;
                                while ((n = await client.ReceiveAsync(buffer, stop)) > 0)
                                {
                                    Interlocked.Add(ref received.Value, n);
                                }
                            }
                            catch (Exception e) when (e is OperationCanceledException or SocketException)
                            {
                                // Stopped.
                            }
                        }
                    },
                        CancellationToken.None));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Stopped.
            }

            await Task.WhenAll(readers);
        },
            CancellationToken.None);
    }

    /// <summary>Bytes htb class 10:<paramref name="minor"/> has sent on site <paramref name="site"/>'s uplink (from <c>tc -s class show</c>).</summary>
    public async Task<long> ClassBytesAsync(int site, int minor)
    {
        var text = await RunAsync("tc", "-n", Lab.Layout.SiteNamespace(site), "-s", "class", "show", "dev", WanLabLayout.UplinkName);
        var lines = text.Split('\n');
        var at = Array.FindIndex(lines, l => l.StartsWith($"class htb 10:{minor:x} ", StringComparison.Ordinal));
        var sent = at >= 0 && at + 1 < lines.Length ? lines[at + 1].Trim().Split(' ') : [];
        return sent.Length > 1 && sent[0] == "Sent" ? long.Parse(sent[1], System.Globalization.CultureInfo.InvariantCulture) : throw new InvalidOperationException($"no htb class 10:{minor:x} in: {text}");
    }

    public static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return process.ExitCode == 0
            ? await output
            : throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {error.Trim()}");
    }

    /// <summary>
    /// Everything of every site of <paramref name="lab"/> a reconciliation could touch (addresses, links with their
    /// MACs, permanent FDB entries, the nft ruleset, htb classes and filters, the lab's enterprise namespaces), as
    /// text without counters and kernel-chosen indexes or handles: equal text, equal kernel state.
    /// </summary>
    public static async Task<string> KernelStateAsync(WanLab lab)
    {
        var parts = new List<string>();
        foreach (var site in lab.Layout.SiteNumbers)
        {
            var ns = lab.Layout.SiteNamespace(site);
            parts.Add(Sorted(WithoutOperState(await RunAsync("ip", "-n", ns, "-br", "addr", "show"))));
            parts.Add(Sorted(WithoutOperState(await RunAsync("ip", "-n", ns, "-br", "link", "show"))));
            parts.Add(Sorted(string.Join('\n', (await RunAsync("bridge", "-n", ns, "fdb", "show")).Split('\n').Where(l => l.Contains("permanent", StringComparison.Ordinal)))));
            parts.Add(await RunAsync("ip", "netns", "exec", ns, "nft", "list", "ruleset"));
            parts.Add(await RunAsync("tc", "-n", ns, "qdisc", "show", "dev", WanLabLayout.UplinkName));
            parts.Add(await RunAsync("tc", "-n", ns, "class", "show", "dev", WanLabLayout.UplinkName));
            parts.Add(await RunAsync("tc", "-n", ns, "filter", "show", "dev", WanLabLayout.UplinkName, "parent", "10:"));
        }

        parts.Add(string.Join('\n', (await NamespacesAsync()).Where(n => n.StartsWith($"roost-{lab.Name}-", StringComparison.Ordinal)).Order(StringComparer.Ordinal)));

        // Interface indexes (ip -o prints "N: name") and nft handles change when objects are recreated.
        return System.Text.RegularExpressions.Regex.Replace(string.Join("\n", parts), @"(?m)^\d+: |@if\d+|if\d+:|handle \d+", "");
    }

    /// <summary>
    /// Drops the operational state column of <c>ip -br</c> lines (name, state, rest). The kernel derives it from the
    /// carrier in its link-watch work, batched up to a second and later on a loaded host: a bridge read right after its
    /// enterprise veth's peer came up reads UNKNOWN and a second later UP (3 of 3 tries), so a dump taken just after an
    /// agent applied could differ from a later one with nothing changed. What the agents set stays compared: the
    /// links, their addresses, MACs and flags (UP, and LOWER_UP for the carrier).
    /// </summary>
    private static string WithoutOperState(string lines) =>
        System.Text.RegularExpressions.Regex.Replace(lines, @"(?m)^(\S+)[ \t]+\S+[ \t]*", "$1 ");

    private static string Sorted(string lines) =>
        string.Join('\n', lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

    public static async Task<List<string>> NamespacesAsync() =>
        [.. (await RunAsync("ip", "netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0])];

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var listener in _listeners)
        {
            listener.Dispose();
        }

        foreach (var ns in _namespaces)
        {
            await RunAsync("ip", "netns", "del", ns);
        }

        await ReconcileAsync(NetworkIntent.Empty);
        _stop.Dispose();
    }

    private async Task ServeAsync(Socket listener, byte[] reply)
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptAsync(_stop.Token);
                await client.SendAsync(reply, _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The kit is being disposed.
        }
    }
}
