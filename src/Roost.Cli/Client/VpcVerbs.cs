using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Roost.Hypervisor.Lab;
using Roost.Hypervisor.Network;

namespace Roost.Cli.Client;

/// <summary>
/// <c>roost vpc list|show|create|delete|member|rule|apply</c>: virtual private clouds on the controller (issue 18).
/// <c>apply</c> is what a site's agent host runs: it reads the controller's network intent and reconciles that site's
/// kernel (bridges, VXLAN, enterprise links, nftables, htb) to it.
/// </summary>
internal static class VpcVerbs
{
    public static Command Build(ClientOptions options)
    {
        var vpc = new Command("vpc", "Virtual private clouds: list, show, create, delete, member add|remove, rule add|remove, apply");
        vpc.Subcommands.Add(List(options));
        vpc.Subcommands.Add(Show(options));
        vpc.Subcommands.Add(Create(options));
        vpc.Subcommands.Add(Delete(options));
        vpc.Subcommands.Add(Member(options));
        vpc.Subcommands.Add(Rule(options));
        vpc.Subcommands.Add(Apply(options));
        return vpc;
    }

    private static Argument<string> NameArgument() => new("VPC") { Description = "The VPC's name, or its id (3 or vpc-3)" };

    private static Column[] Columns { get; } =
    [
        new("ID", v => Listing.Text(v, "id")),
        new("NAME", v => Listing.Text(v, "name")),
        new("SUBNET", v => Listing.Text(v, "subnet")),
        new("GATEWAY", v => Listing.Text(v, "gateway")),
        new("RESERVED_MBPS", v => Listing.Number(v, "reservedMbps", "0")),
        new("VNI", v => Listing.Number(v, "vni", "0")),
        new("MEMBERS", v => string.Join(' ', Listing.Member(v, "members").EnumerateArray().Select(m => $"{Listing.Text(m, "vm")}={Listing.Text(m, "address")}"))),
        new("REACHES", v => string.Join(' ', Listing.Member(v, "reaches").EnumerateArray().Select(r => r.GetString()))),
        new("ENTERPRISE", v => Listing.Member(v, "enterprise") is { ValueKind: JsonValueKind.Object } e
            ? $"site {Listing.Number(e, "site", "0")} {Listing.Text(e, "cidr")}"
            : ""),
    ];

    private static Command List(ClientOptions options)
    {
        var command = new Command("list", "List VPCs");
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var vpcs = await session.Client.GetAsync("api/vpcs", cancellationToken).ConfigureAwait(false);
            await Listing.WriteAsync(session.Output, session.Format, vpcs, Listing.Rows(vpcs), Columns).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Show(ClientOptions options)
    {
        var name = NameArgument();
        var command = new Command("show", "Show one VPC") { name };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var vpc = await session.Client.GetAsync("api/vpcs/" + ClientSession.Segment(result.GetRequiredValue(name)), cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, vpc, Columns).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Create(ClientOptions options)
    {
        var name = new Argument<string>("NAME") { Description = "The new VPC's name (unique; not of an id's form)" };
        var subnet = new Option<string>("--subnet") { Description = "Its private IPv4 range, e.g. 10.0.0.0/24 (prefix 16 to 29; tenants may share ranges)", Required = true, HelpName = "CIDR" };
        var reserve = new Option<int>("--reserve") { Description = "Bandwidth reserved on each site's WAN uplink, Mbit/s (default 0: none)", HelpName = "Mbit/s" };
        var enterprise = new Option<int?>("--enterprise-site") { Description = "The site where the enterprise's LAN joins the segment", HelpName = "SITE" };
        var command = new Command("create", "Create a VPC") { name, subnet, reserve, enterprise };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var body = new { name = result.GetRequiredValue(name), subnet = result.GetRequiredValue(subnet), reservedMbps = result.GetValue(reserve), enterpriseSite = result.GetValue(enterprise) };
            var vpc = await session.Client.SendAsync(HttpMethod.Post, "api/vpcs", body, cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, vpc, Columns).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Delete(ClientOptions options)
    {
        var name = NameArgument();
        var command = new Command("delete", "Delete a VPC without members (every site removes its objects at its next apply)") { name };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var reference = result.GetRequiredValue(name);
            await session.Client.SendAsync(HttpMethod.Delete, "api/vpcs/" + ClientSession.Segment(reference), null, cancellationToken).ConfigureAwait(false);
            await session.DoneAsync($"{reference}: deleted").ConfigureAwait(false);
            return 0;
        }));
        return command;
    }

    private static Command Member(ClientOptions options)
    {
        var member = new Command("member", "Members of a VPC: add VPC VM, remove VPC VM");
        var (vpcAdd, vmAdd) = (NameArgument(), new Argument<string>("VM") { Description = "The VM's name or id" });
        var add = new Command("add", "Add a VM to a VPC; prints the address the controller allocated (its NIC's CIDR)") { vpcAdd, vmAdd };
        add.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var added = await session.Client.SendAsync(HttpMethod.Post, $"api/vpcs/{ClientSession.Segment(result.GetRequiredValue(vpcAdd))}/members", new { vm = result.GetRequiredValue(vmAdd) }, cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, added, [new("VM", m => Listing.Text(m, "vm")), new("ADDRESS", m => Listing.Text(m, "cidr"))]).ConfigureAwait(false);
            return 0;
        }));
        var (vpcRemove, vmRemove) = (NameArgument(), new Argument<string>("VM") { Description = "The VM's name or id" });
        var remove = new Command("remove", "Take a VM out of a VPC (its address is free again)") { vpcRemove, vmRemove };
        remove.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var (vpc, vm) = (result.GetRequiredValue(vpcRemove), result.GetRequiredValue(vmRemove));
            await session.Client.SendAsync(HttpMethod.Delete, $"api/vpcs/{ClientSession.Segment(vpc)}/members/{ClientSession.Segment(vm)}", null, cancellationToken).ConfigureAwait(false);
            await session.DoneAsync($"{vm}: removed from {vpc}").ConfigureAwait(false);
            return 0;
        }));
        member.Subcommands.Add(add);
        member.Subcommands.Add(remove);
        return member;
    }

    private static Command Rule(ClientOptions options)
    {
        var rule = new Command("rule", "What a VPC may reach, both ways: add VPC TO, remove VPC TO (TO: another VPC or 'site')");
        foreach (var (verb, method, description) in new[]
        {
            ("add", HttpMethod.Post, "Let a VPC reach another VPC (routed by their gateways) or the sites' own networks"),
            ("remove", HttpMethod.Delete, "Remove such a rule"),
        })
        {
            var (vpc, to) = (NameArgument(), new Argument<string>("TO") { Description = "Another VPC's name or id, or 'site'" });
            var command = new Command(verb, description) { vpc, to };
            command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
            {
                var (from, target) = (ClientSession.Segment(result.GetRequiredValue(vpc)), result.GetRequiredValue(to));
                var answer = method == HttpMethod.Post
                    ? await session.Client.SendAsync(method, $"api/vpcs/{from}/rules", new { to = target }, cancellationToken).ConfigureAwait(false)
                    : await session.Client.SendAsync(method, $"api/vpcs/{from}/rules/{ClientSession.Segment(target)}", null, cancellationToken).ConfigureAwait(false);
                if (answer.ValueKind == JsonValueKind.Undefined)
                {
                    await session.DoneAsync($"{result.GetRequiredValue(vpc)} -/- {target}: removed").ConfigureAwait(false);
                }
                else
                {
                    await Listing.WriteOneAsync(session.Output, session.Format, answer, Columns).ConfigureAwait(false);
                }

                return 0;
            }));
            rule.Subcommands.Add(command);
        }

        return rule;
    }

    private static Command Apply(ClientOptions options)
    {
        var lab = new Option<string>("--lab") { Description = "The multi-site lab whose site this is ('roost lab wan up')", Required = true, HelpName = "NAME" };
        var site = new Option<int>("--site") { Description = "The site to reconcile (1, 2, ...)", Required = true, HelpName = "N" };
        var stateDir = new Option<string>("--state-dir") { Description = $"Where labs are recorded (default {LabStateStore.DefaultDirectory})", HelpName = "DIR" };
        var command = new Command("apply", "Reconcile a lab site's kernel network to the controller's VPCs (run by the site's agent host; root)") { lab, site, stateDir };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            if (!LabName.TryParse(result.GetRequiredValue(lab), out var name, out var nameError))
            {
                throw new UsageException($"roost vpc apply: --lab: {nameError}");
            }

            var store = new LabStateStore(result.GetValue(stateDir) ?? LabStateStore.DefaultDirectory);
            if (WanLab.FindUp(name.Value, store, TimeProvider.System) is not { } up)
            {
                throw new UsageException($"roost vpc apply: lab '{name}' is not up (see 'roost lab wan status')");
            }

            var number = result.GetValue(site);
            if (!up.Layout.SiteNumbers.Contains(number))
            {
                throw new UsageException($"roost vpc apply: --site {number}: lab '{name}' has sites 1 to {up.Layout.Options.Sites}");
            }

            var intent = ReadIntent(await session.Client.GetAsync("api/network", cancellationToken).ConfigureAwait(false));

            var outcome = await VpcReconciler.ReconcileAsync(intent, LabFabric.For(up.Layout, number), up.Layout.SiteNamespace(number), cancellationToken).ConfigureAwait(false);
            switch (outcome)
            {
                case ReconcileResult.Converged converged:
                    foreach (var change in converged.Applied)
                    {
                        await session.Output.WriteLineAsync(change.ToString()).ConfigureAwait(false);
                    }

                    await session.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"site {number}: {intent.Vpcs.Count} VPCs, {converged.Applied.Count} changes applied, kernel matches")).ConfigureAwait(false);
                    return 0;
                case ReconcileResult.Failed failed:
                    throw new UsageException($"roost vpc apply: {failed.Reason}", 1);
                default:
                    throw new InvalidOperationException("unreachable");
            }
        }));
        return command;
    }

    /// <summary>The controller's network intent, checked; a malformed answer (wrong JSON types too) is one line and exit 1.</summary>
    internal static Core.Network.NetworkIntent ReadIntent(JsonElement json)
    {
        string? error = "empty answer";
        try
        {
            if (json.Deserialize<NetworkResponse>(JsonSerializerOptions.Web)?.ToIntent(out error) is { } intent)
            {
                return intent;
            }
        }
        catch (JsonException e)
        {
            error = $"malformed network intent: {e.Message}";
        }

        throw new UsageException($"roost vpc apply: the controller's network: {error}", 1);
    }
}
