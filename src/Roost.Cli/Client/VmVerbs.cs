using System.CommandLine;
using System.Text.Json;

namespace Roost.Cli.Client;

/// <summary><c>roost vm list|show|create|migrate|stop|start|delete</c>: VMs by the name the operator gave (or their id).</summary>
internal static class VmVerbs
{
    public static Command Build(ClientOptions options)
    {
        var vm = new Command("vm", "VMs on the controller: list, show, create, migrate, stop, start, delete");
        vm.Subcommands.Add(List(options));
        vm.Subcommands.Add(Show(options));
        vm.Subcommands.Add(Create(options));
        vm.Subcommands.Add(Migrate(options));
        vm.Subcommands.Add(Simple(options, "stop", "Stop a running VM", HttpMethod.Post, "/stop", "stopping"));
        vm.Subcommands.Add(Simple(options, "start", "Start a stopped or failed VM again (the controller places it)", HttpMethod.Post, "/start", "starting"));
        vm.Subcommands.Add(Simple(options, "delete", "Delete a stopped or failed VM (its id is never reused)", HttpMethod.Delete, "", "deleted"));
        return vm;
    }

    private static Argument<string> NameArgument() => new("NAME") { Description = "The VM's name, or its id (12 or vm-12)" };

    private static Column[] Columns(IReadOnlyDictionary<int, string> hosts) =>
    [
        new("ID", v => "vm-" + Listing.Text(v, "id")),
        new("NAME", v => Listing.Text(v, "name")),
        new("STATE", v => Listing.Text(v, "state")),
        new("HOST", v => ClientSession.HostName(hosts, Listing.Member(v, "host"))),
        new("CPUS", v => Listing.Number(Listing.Member(v, "allocation"), "cpuCores", "0.###")),
        new("MEMORY_MIB", v => Listing.Number(Listing.Member(v, "allocation"), "memoryMiB", "0")),
        new("NETWORK_MBPS", v => Listing.Number(Listing.Member(v, "allocation"), "networkMbps", "0.#")),
        new("CPU_USED", v => Listing.Number(Listing.Member(v, "usage"), "cpuCores", "0.00")),
        new("MIGRATING_TO", v => Listing.Member(v, "migratingTo") is { ValueKind: JsonValueKind.Number } to ? ClientSession.HostName(hosts, to) : ""),
        new("IMAGE", v => Listing.Text(v, "image")),
    ];

    private static Command List(ClientOptions options)
    {
        var host = new Option<string>("--host") { Description = "Only the VMs on this host (its name or id)", HelpName = "HOST" };
        var state = new Option<string>("--state") { Description = "Only the VMs in this state" };
        state.AcceptOnlyFromAmong("pending", "running", "stopping", "stopped", "failed");
        var command = new Command("list", "List VMs") { host, state };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var query = new List<string>();
            if (result.GetValue(host) is { } h)
            {
                query.Add("host=" + Uri.EscapeDataString(h));
            }

            if (result.GetValue(state) is { } s)
            {
                query.Add("state=" + s);
            }

            var vms = await session.Client.GetAsync("api/vms" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), cancellationToken).ConfigureAwait(false);
            var hosts = await session.HostNamesAsync(cancellationToken).ConfigureAwait(false);
            await Listing.WriteAsync(session.Output, session.Format, vms, Listing.Rows(vms), Columns(hosts)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Show(ClientOptions options)
    {
        var name = NameArgument();
        var command = new Command("show", "Show one VM") { name };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var vm = await session.Client.GetAsync("api/vms/" + ClientSession.Segment(result.GetRequiredValue(name)), cancellationToken).ConfigureAwait(false);
            var hosts = await session.HostNamesAsync(cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, vm, Columns(hosts)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Create(ClientOptions options)
    {
        var name = new Argument<string>("NAME") { Description = "The new VM's name (unique; not of an id's form)" };
        var cpus = new Option<double>("--cpus") { Description = "CPU cores, more than 0", Required = true, HelpName = "N" };
        var memory = new Option<double>("--memory") { Description = "Memory in MiB, more than 0", Required = true, HelpName = "MiB" };
        var network = new Option<double>("--network") { Description = "Network in Mbit/s (default 0)", HelpName = "Mbit/s" };
        var host = new Option<string>("--host") { Description = "The host it must run on (its name or id); else the controller places it", HelpName = "HOST" };
        var image = new Option<string>("--image") { Description = "The guest image profile it boots (minimal, python, database, kernel-b: one its host's agent offers; default the agent's first)", HelpName = "PROFILE" };
        var command = new Command("create", "Create a VM; the controller places and starts it (by its placement setting: roost settings)") { name, cpus, memory, network, host, image };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            int? hostId = result.GetValue(host) is { } h ? await session.HostIdAsync(h, cancellationToken).ConfigureAwait(false) : null;
            var body = new { name = result.GetRequiredValue(name), cpuCores = result.GetValue(cpus), memoryMiB = result.GetValue(memory), networkMbps = result.GetValue(network), host = hostId, image = result.GetValue(image) };
            var vm = await session.Client.SendAsync(HttpMethod.Post, "api/vms", body, cancellationToken).ConfigureAwait(false);
            var hosts = await session.HostNamesAsync(cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, vm, Columns(hosts)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Migrate(ClientOptions options)
    {
        var name = NameArgument();
        var to = new Option<string>("--to") { Description = "The destination host (its name or id)", Required = true, HelpName = "HOST" };
        var wait = new Option<bool>("--wait") { Description = "Wait until the migration has succeeded or failed (exit 1 if it failed)" };
        var timeout = new Option<int>("--timeout") { Description = "With --wait: give up after this many seconds (default 600; exit 1)", HelpName = "SECONDS", DefaultValueFactory = _ => 600 };
        var command = new Command("migrate", "Live-migrate a VM to another host") { name, to, wait, timeout };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var destination = await session.HostIdAsync(result.GetRequiredValue(to), cancellationToken).ConfigureAwait(false);
            var plan = await session.Client.SendAsync(HttpMethod.Post, $"api/vms/{ClientSession.Segment(result.GetRequiredValue(name))}/migrate", new { host = destination }, cancellationToken).ConfigureAwait(false);
            if (!result.GetValue(wait))
            {
                await PlanVerbs.WriteAsync(session, plan).ConfigureAwait(false);
                return 0;
            }

            return await PlanVerbs.WaitAsync(session, Listing.Member(plan, "id").GetInt64(), TimeSpan.FromSeconds(Math.Max(1, result.GetValue(timeout))), cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Simple(ClientOptions options, string verb, string description, HttpMethod method, string suffix, string done)
    {
        var name = NameArgument();
        var command = new Command(verb, description) { name };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var reference = result.GetRequiredValue(name);
            var vm = await session.Client.SendAsync(method, $"api/vms/{ClientSession.Segment(reference)}{suffix}", null, cancellationToken).ConfigureAwait(false);
            if (vm.ValueKind == JsonValueKind.Undefined)
            {
                await session.DoneAsync($"{reference}: {done}").ConfigureAwait(false);
                return 0;
            }

            var hosts = await session.HostNamesAsync(cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, vm, Columns(hosts)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
