using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Agents;

/// <summary>
/// <c>roost serve</c> as a real process over real agents, SIGKILLed while a live migration it started is under way,
/// then restarted on the same data directory: the store must be consistent, the action settled by what the agents
/// really did (the migration finished without the controller, or was aborted with it), and nothing lost or done twice.
/// </summary>
public sealed class KillRestartTests(ITestOutputHelper output)
{
    [QemuFact]
    public async Task SigkillDuringAMigration_RestartReconcilesTheRealOutcome_AndDoesNothingTwice()
    {
        await using var testbed = await AgentTestbed.StartAsync();
        var source = await testbed.StartAgentAsync("src", cpus: 4, memoryMiB: 1024);
        var destination = await testbed.StartAgentAsync("dst", cpus: 4, memoryMiB: 1024);
        await testbed.BootAsync(source, "vm-0", 1, 256);
        await testbed.StartMemtestAsync(source, "vm-0");
        var data = Path.Combine(testbed.Directory.Path, "controller");
        // A bandwidth cap of 16 MiB/s stretches the migration to seconds, so the kill lands in the middle of it.
        string[] arguments = ["--agents", $"{source.BaseAddress},{destination.BaseAddress}", "--agent-token-file", testbed.TokenFile, "--migration-bandwidth", "16"];

        long planId;
        using (var first = await ServeProcess.StartAsync(data, arguments))
        using (var api = first.Client())
        {
            using (var put = await api.PutAsJsonAsync("/api/settings", new { mode = "manual", threshold = 0.9, maxConcurrentMigrations = 1 }))
            {
                Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            }

            using var migrate = await api.PostAsJsonAsync("/api/vms/0/migrate", new { host = 1 });
            Assert.True(migrate.IsSuccessStatusCode, await migrate.Content.ReadAsStringAsync());
            planId = (await migrate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

            // Kill once the source agent is really migrating: the controller has recorded the action and sent it.
            await Poll.UntilAsync(
                async () => (await testbed.ListAsync(source)).Contains(("vm-0", "migratingOut")) ? "migrating" : null,
                TimeSpan.FromSeconds(60),
                async () => $"the source agent never migrated vm-0; plan: {await api.GetStringAsync($"/api/plans/{planId}")}; log: {first.Log}");
            await first.KillAsync();
        }

        var atKill = await testbed.ListAsync(source);
        output.WriteLine($"source agent right after the kill: {string.Join(", ", atKill)}");

        using var second = await ServeProcess.StartAsync(data, arguments);
        using var api2 = second.Client();
        var plan = await Poll.UntilAsync(
            async () =>
            {
                var p = await api2.GetFromJsonAsync<JsonElement>($"/api/plans/{planId}");
                return p.GetProperty("status").GetString() is "completed" or "failed" ? p.GetRawText() : null;
            },
            TimeSpan.FromSeconds(120),
            async () => $"plan {planId} not settled: {await api2.GetStringAsync($"/api/plans/{planId}")}; log: {second.Log}");
        output.WriteLine(plan);

        // Either outcome is right (the migration may finish without the controller, or be aborted by the kill); what
        // must hold is that the agents, the plan and the store all agree on where the VM really is.
        // The agents may take a moment to drop the loser's half (an aborted incoming VM, a migrated-away source).
        var agents = await Poll.UntilAsync(
            async () =>
            {
                var (onSource, onDestination) = (await testbed.ListAsync(source), await testbed.ListAsync(destination));
                var copies = onSource.Concat(onDestination).Count(v => v.Id == "vm-0");
                return copies == 1 ? Tuple.Create(onSource, onDestination) : null;
            },
            TimeSpan.FromSeconds(60),
            async () => $"vm-0 is not on exactly one agent: source [{string.Join(", ", await testbed.ListAsync(source))}], destination [{string.Join(", ", await testbed.ListAsync(destination))}]");
        output.WriteLine($"agents after settling: source [{string.Join(", ", agents.Item1)}], destination [{string.Join(", ", agents.Item2)}]");
        Assert.Equal([("vm-0", "running")], agents.Item1.Concat(agents.Item2));
        var arrived = agents.Item2.Contains(("vm-0", "running"));

        using var settled = JsonDocument.Parse(plan);
        var action = Assert.Single(settled.RootElement.GetProperty("actions").EnumerateArray());
        var outcome = action.GetProperty("outcome").GetString() ?? "";
        Assert.Equal(arrived ? "completed" : "failed", settled.RootElement.GetProperty("status").GetString());
        Assert.Equal(arrived ? "succeeded" : "failed", action.GetProperty("status").GetString());
        Assert.True(arrived ? outcome == "vm-0 arrived on host-1" : outcome.Contains("aborted", StringComparison.Ordinal), outcome);

        // The guest's memory came through whole, wherever it runs now.
        output.WriteLine($"memtest of vm-0 after settling: {await testbed.AssertMemoryIntactAsync(arrived ? destination : source, "vm-0")}");

        // The store agrees and holds nothing half-done: one VM where the agents have it, one plan, the migration sent once.
        var vms = await api2.GetFromJsonAsync<JsonElement>("/api/vms");
        var vm = Assert.Single(vms.EnumerateArray());
        Assert.Equal(arrived ? 1 : 0, vm.GetProperty("host").GetInt32());
        Assert.Equal("running", vm.GetProperty("state").GetString());
        var plans = await api2.GetFromJsonAsync<JsonElement>("/api/plans");
        Assert.Equal(planId, Assert.Single(plans.EnumerateArray()).GetProperty("id").GetInt64());
        var events = (await api2.GetFromJsonAsync<JsonElement>("/api/events?limit=500")).EnumerateArray()
            .Select(e => e.GetProperty("message").GetString() ?? "").ToList();
        Assert.Single(events, e => e.Contains("vm-0 migrating host-0 -> host-1", StringComparison.Ordinal));
        Assert.Single(events, e => e.StartsWith("resumed from", StringComparison.Ordinal) && e.Contains("1 action(s) in flight", StringComparison.Ordinal));
    }
}
