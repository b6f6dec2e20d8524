using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Store;
using Roost.Controller.Tests.Api;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Dashboard;

/// <summary>
/// The dashboard in a real browser: headless Chromium (Debian's) driven by playwright-core from
/// tests/browser/dashboard-approve.mjs loads the page, checks the hosts, enters the token and approves a pending plan.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    [BrowserFact]
    public async Task Dashboard_ShowsHosts_AndAnApproveClickExecutesThePendingPlan()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        using (var put = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Put, "/api/settings", JsonContent.Create(new { mode = "manual", threshold = 0.3, maxConcurrentMigrations = 2 }))))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        // Manual mode: Sandpiper's plan for the hotspots waits for an operator.
        for (var i = 0; i < 6; i++)
        {
            await fixture.StepAsync(TimeSpan.FromMinutes(1));
        }

        var pending = await fixture.Controller.Store.GetPlansAsync(PlanStatus.Pending, 10, default);
        Assert.NotEmpty(pending);

        var result = await RunScriptAsync(fixture.Controller.Address.ToString(), fixture.Controller.Tokens.Current, hosts: 6);

        Assert.Equal(6, result.GetProperty("hosts").GetInt32());
        var id = result.GetProperty("approved").GetInt64();
        Assert.Contains(pending, p => p.Id == id);
        Assert.Equal(PlanStatus.Approved, (await fixture.Controller.Store.FindPlanAsync(id, default))?.Status);
        // At most two migrations at once, each done within a simulated minute: 20 steps are plenty for any plan.
        for (var i = 0; i < 20 && (await fixture.Controller.Store.FindPlanAsync(id, default))?.Status is PlanStatus.Approved or PlanStatus.Executing; i++)
        {
            await fixture.StepAsync(TimeSpan.FromMinutes(1));
        }

        var plan = await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/plans/{id}");
        output.WriteLine(plan.ToString());
        Assert.Equal("completed", plan.GetProperty("status").GetString());
        Assert.All(plan.GetProperty("actions").EnumerateArray(), a => Assert.Equal("succeeded", a.GetProperty("status").GetString()));
    }

    private async Task<JsonElement> RunScriptAsync(string url, string token, int hosts)
    {
        var start = new ProcessStartInfo(BrowserEnvironment.Node ?? "node")
        {
            WorkingDirectory = BrowserEnvironment.ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "dashboard-approve.mjs", url, token, hosts.ToString(System.Globalization.CultureInfo.InvariantCulture), BrowserEnvironment.Chromium })
        {
            start.ArgumentList.Add(arg);
        }

        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            Assert.Fail($"the browser script did not finish within 120 s: {await stderr}");
        }

        output.WriteLine(await stdout);
        Assert.True(node.ExitCode == 0, $"the browser script failed ({node.ExitCode}): {await stderr}");
        return JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement.Clone();
    }
}
