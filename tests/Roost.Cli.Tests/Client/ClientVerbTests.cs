using System.Text.Json;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Cli.Tests.Client;

/// <summary>Every client verb against a running controller, by the names operators see (sim-00.., vm-000..).</summary>
public sealed class ClientVerbTests
{
    [Fact]
    public async Task Vm_CreateListShowStopStartDelete_ByName()
    {
        await using var c = await ControllerUnderTest.StartAsync();

        var create = await c.RoostAsync("vm", "create", "web", "--cpus", "1", "--memory", "1024", "--network", "10", "--host", "sim-04");
        await c.StepAsync();
        var list = await c.RoostAsync("vm", "list", "--host", "sim-04", "-o", "csv");
        var running = await c.RoostAsync("vm", "list", "--state", "running");
        var show = await c.RoostAsync("vm", "show", "web", "-o", "json");
        var stop = await c.RoostAsync("vm", "stop", "web");
        await c.StepAsync();
        var stopped = await c.RoostAsync("vm", "show", "web");
        var start = await c.RoostAsync("vm", "start", "web");
        await c.StepAsync();
        var restarted = await c.RoostAsync("vm", "show", "web", "-o", "json");
        await c.RoostAsync("vm", "stop", "web");
        await c.StepAsync();
        var delete = await c.RoostAsync("vm", "delete", "web");
        var gone = await c.RoostAsync("vm", "show", "web");

        Assert.Equal((0, ""), (create.ExitCode, create.Stderr));
        Assert.Matches(@"(?m)^NAME +web$", create.Stdout);
        Assert.Equal(0, list.ExitCode);
        Assert.Equal("ID,NAME,STATE,HOST,CPUS,MEMORY_MIB,NETWORK_MBPS,CPU_USED,MIGRATING_TO,IMAGE", list.Stdout.Split('\n')[0]);
        Assert.Contains(list.Stdout.Split('\n'), l => l.StartsWith("vm-12,web,running,sim-04,1,1024,10,", StringComparison.Ordinal));
        Assert.Equal(1 + 13, running.Stdout.Trim().Split('\n').Length);
        var json = JsonSerializer.Deserialize<JsonElement>(show.Stdout);
        Assert.Equal(("web", 4), (json.GetProperty("name").GetString(), json.GetProperty("host").GetInt32()));
        Assert.Equal(0, stop.ExitCode);
        Assert.Matches(@"(?m)^STATE +stopped$", stopped.Stdout);
        Assert.Equal(0, start.ExitCode);
        Assert.Equal("running", JsonSerializer.Deserialize<JsonElement>(restarted.Stdout).GetProperty("state").GetString());
        Assert.Equal((0, "web: deleted\n"), (delete.ExitCode, delete.Stdout));
        Assert.Equal((2, "roost: GET /api/vms/web: 404 Not Found: no VM is named 'web'\n"), (gone.ExitCode, gone.Stderr));
    }

    [Fact]
    public async Task VmMigrate_ByVmNameToHostName_WaitsUntilItSucceeded()
    {
        await using var c = await ControllerUnderTest.StartAsync();
        var vm = await c.Controller.Store.FindVmAsync(new VmId(1), default) ?? throw new InvalidOperationException("seeded");
        var to = vm.Host == new HostId(5) ? 4 : 5;

        var migrate = c.RoostAsync("vm", "migrate", vm.Name, "--to", $"sim-{to:D2}", "--wait", "--timeout", "60");
        for (var i = 0; i < 200 && !migrate.IsCompleted; i++)
        {
            await c.StepAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(50);
        }

        var outcome = await migrate;
        Assert.Equal((0, ""), (outcome.ExitCode, outcome.Stderr));
        Assert.Matches(@"(?m)^STATUS +completed$", outcome.Stdout);
        Assert.Matches($@"(?m)^migrate +vm-1 +host-\d +host-{to} +succeeded", outcome.Stdout);
        Assert.Equal(new HostId(to), (await c.Controller.Store.FindVmAsync(new VmId(1), default))?.Host);
    }

    [Fact]
    public async Task Host_ListShowAndMaintenance_ByName()
    {
        await using var c = await ControllerUnderTest.StartAsync();

        var list = await c.RoostAsync("host", "list", "-o", "json");
        var table = await c.RoostAsync("host", "list");
        var on = await c.RoostAsync("host", "maintenance", "sim-01", "on");
        await c.StepAsync();
        var show = await c.RoostAsync("host", "show", "sim-01");
        var off = await c.RoostAsync("host", "maintenance", "host-1", "off");
        var wrong = await c.RoostAsync("host", "maintenance", "sim-01", "maybe");

        Assert.Equal(6, JsonSerializer.Deserialize<JsonElement>(list.Stdout).GetArrayLength());
        Assert.Equal(7, table.Stdout.Trim().Split('\n').Length);
        Assert.StartsWith("ID      NAME    VMS", table.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, on.ExitCode);
        Assert.Matches(@"(?m)^MAINTENANCE +true$", show.Stdout);
        Assert.Equal(0, off.ExitCode);
        Assert.False((await c.Controller.Store.GetHostsAsync(default)).Single(h => h.Id == new HostId(1)).Maintenance);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("'maybe'", wrong.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_ListApproveReject_AndEventsShowTheDecisions()
    {
        await using var c = await ControllerUnderTest.StartAsync();
        var vm = (await c.Controller.Store.GetVmsAsync(default))[0];
        var from = vm.Host ?? throw new InvalidOperationException("placed");
        var first = await AddPendingAsync(c, vm, from, new HostId(5));
        var second = await AddPendingAsync(c, vm, from, new HostId(4));

        var pending = await c.RoostAsync("plan", "list", "--status", "pending", "-o", "csv");
        var approve = await c.RoostAsync("plan", "approve", $"{first}");
        var reject = await c.RoostAsync("plan", "reject", $"{second}");
        var again = await c.RoostAsync("plan", "reject", $"{first}");
        var show = await c.RoostAsync("plan", "show", $"{second}");
        var events = await c.RoostAsync("events", "--limit", "5");

        Assert.Equal(3, pending.Stdout.Trim().Split('\n').Length);
        Assert.Equal((0, 0), (approve.ExitCode, reject.ExitCode));
        Assert.Matches(@"(?m)^STATUS +approved$", approve.Stdout);
        Assert.Equal(2, again.ExitCode);
        Assert.Equal($"roost: POST /api/plans/{first}/reject: 409 Conflict: plan {first} is approved, not pending\n", again.Stderr);
        Assert.Matches(@"(?m)^STATUS +rejected$", show.Stdout);
        var lines = events.Stdout.Trim().Split('\n');
        Assert.Equal("ID  AT", lines[0][..6]);
        Assert.EndsWith($"plan {second} rejected by operator", lines[^1], StringComparison.Ordinal);
        Assert.EndsWith($"plan {first} approved by operator", lines[^2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettingsSetPlacement_IsShown_AndEventsFilterBySeverityAndEntity()
    {
        await using var c = await ControllerUnderTest.StartAsync();
        var set = await c.RoostAsync("settings", "set", "--placement", "sharing");
        var show = await c.RoostAsync("settings", "-o", "json");
        await c.Controller.Store.AddEventAsync(c.Time.GetUtcNow(), NewEvent.Warning("hotspot", NewEvent.Host("sim-04"), "sim-04 is hot"), default);
        await c.Controller.Store.AddEventAsync(c.Time.GetUtcNow(), NewEvent.Info("vm", NewEvent.Vm("web"), "web started"), default);

        var warnings = await c.RoostAsync("events", "--severity", "warning", "-o", "csv");
        var web = await c.RoostAsync("events", "--entity", "vm/web", "-o", "csv");
        var wrong = await c.RoostAsync("events", "--severity", "loud");

        Assert.Equal((0, ""), (set.ExitCode, set.Stderr));
        Assert.Matches(@"(?m)^PLACEMENT +sharing$", set.Stdout);
        Assert.Equal("sharing", JsonSerializer.Deserialize<JsonElement>(show.Stdout).GetProperty("placement").GetString());
        var rows = warnings.Stdout.Trim().Split('\n');
        Assert.Equal("ID,AT,SEVERITY,KIND,ENTITY,MESSAGE", rows[0]);
        Assert.All(rows.Skip(1), r => Assert.DoesNotContain(",info,", r, StringComparison.Ordinal));
        Assert.Contains(rows, r => r.EndsWith(",warning,hotspot,host/sim-04,sim-04 is hot", StringComparison.Ordinal));
        Assert.Equal([",info,vm,vm/web,web started"], web.Stdout.Trim().Split('\n').Skip(1).Select(r => r[r.IndexOf(",info,", StringComparison.Ordinal)..]));
        Assert.Equal(2, wrong.ExitCode);
    }

    [Fact]
    public async Task EventsFollow_PrintsNewEvents_UntilCancelled()
    {
        await using var c = await ControllerUnderTest.StartAsync();
        using var cancel = new CancellationTokenSource();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var follow = Program.RunAsync(["events", "--follow", "-o", "json", "--controller", c.Url], TextWriter.Synchronized(stdout), stderr, cancel.Token);

        await c.Controller.Store.AddEventAsync(c.Time.GetUtcNow(), NewEvent.Info("test", NewEvent.Controller, "a new event"), default);
        for (var i = 0; i < 100 && !stdout.ToString().Contains("a new event", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100);
        }

        await cancel.CancelAsync();
        Assert.Equal(0, await follow);
        var last = JsonSerializer.Deserialize<JsonElement>(stdout.ToString().Trim().Split('\n')[^1]);
        Assert.Equal(("test", "a new event"), (last.GetProperty("kind").GetString(), last.GetProperty("message").GetString()));
    }

    private static async Task<long> AddPendingAsync(ControllerUnderTest c, StoredVm vm, HostId from, HostId to) =>
        (await c.Controller.Store.AddPlanAsync(
            new NewPlan(c.Time.GetUtcNow(), "sandpiper", PlanStatus.Pending, $"move {vm.Id} to {to}", [new NewAction(ActionKind.Migrate, vm.Id, from, to, vm.Allocation, "test")]),
            default)).Id;
}
