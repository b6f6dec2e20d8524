using System.CommandLine;

namespace Roost.Cli.Client;

/// <summary><c>roost host list|show|maintenance</c>.</summary>
internal static class HostVerbs
{
    private static readonly Column[] _columns =
    [
        new("ID", h => "host-" + Listing.Text(h, "id")),
        new("NAME", h => Listing.Text(h, "name")),
        new("VMS", h => Listing.Text(h, "vmCount")),
        new("CPUS", h => Listing.Number(Listing.Member(h, "capacity"), "cpuCores", "0.###")),
        new("CPU_USED", h => Listing.Number(Listing.Member(h, "usage"), "cpuCores", "0.00")),
        new("MEMORY_MIB", h => Listing.Number(Listing.Member(h, "capacity"), "memoryMiB", "0")),
        new("MEMORY_USED_MIB", h => Listing.Number(Listing.Member(h, "usage"), "memoryMiB", "0")),
        new("POWER_W", h => Listing.Number(h, "powerWatts", "0.0")),
        new("HOT", h => Listing.Text(h, "hot")),
        new("MAINTENANCE", h => Listing.Text(h, "maintenance")),
        new("PROBLEM", h => Listing.Text(h, "problem")),
    ];

    public static Command Build(ClientOptions options)
    {
        var host = new Command("host", "Hosts: list, show, maintenance on|off");
        var list = new Command("list", "List hosts as last observed");
        list.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var hosts = await session.Client.GetAsync("api/hosts", cancellationToken).ConfigureAwait(false);
            await Listing.WriteAsync(session.Output, session.Format, hosts, Listing.Rows(hosts), _columns).ConfigureAwait(false);
            return 0;
        }));
        host.Subcommands.Add(list);

        var showName = NameArgument();
        var show = new Command("show", "Show one host") { showName };
        show.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var found = await session.Client.GetAsync("api/hosts/" + ClientSession.Segment(result.GetRequiredValue(showName)), cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, found, _columns).ConfigureAwait(false);
            return 0;
        }));
        host.Subcommands.Add(show);

        var name = NameArgument();
        var mode = new Argument<string>("on|off") { Description = "on: evacuate the host and give it no VMs; off: use it again" };
        mode.AcceptOnlyFromAmong("on", "off");
        var maintenance = new Command("maintenance", "Put a host into maintenance (its VMs are migrated away) or take it out") { name, mode };
        maintenance.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var found = await session.Client.SendAsync(
                HttpMethod.Post, $"api/hosts/{ClientSession.Segment(result.GetRequiredValue(name))}/maintenance", new { enabled = result.GetRequiredValue(mode) == "on" }, cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, found, _columns).ConfigureAwait(false);
            return 0;
        }));
        host.Subcommands.Add(maintenance);
        return host;
    }

    private static Argument<string> NameArgument() => new("HOST") { Description = "The host's name, or its id (3 or host-3)" };
}
