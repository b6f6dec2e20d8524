using Roost.Controller.Recovery;
using Roost.Controller.Tests.Api;
using Roost.Controller.Tests.Recovery;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Dashboard;

/// <summary>
/// The dashboard's "Disaster recovery" panel in a real browser (headless Chromium through tests/browser/dashboard-dr.mjs):
/// a controller watching a cloud site's real status listener (<see cref="TestDrSite"/>), the panel showing its VM, and
/// the operator's Failover and Failback buttons reaching the site through the controller.
/// </summary>
public sealed class DashboardDrBrowserTests(ITestOutputHelper output)
{
    [BrowserFact]
    public async Task DrPanel_ShowsTheSitesVm_AndItsFailoverAndFailbackButtonsReachTheSite()
    {
        await using var site = await TestDrSite.StartAsync("site-token");
        using var directory = new TempDirectory();
        DrSiteEndpoint.TryCreate("cloud", site.Address, site.Token, out var endpoint, out var error);
        await using var controller = await ControllerApp.StartAsync(
            ControllerFixture.Options(directory) with { DrSites = [endpoint ?? throw new InvalidOperationException(error)] }, default, new ManualTimeProvider());
        await controller.Loop.StepAsync(default);
        await controller.Dr.PollAsync(default);

        var result = await BrowserEnvironment.RunScriptAsync(
            output, "dashboard-dr.mjs", controller.Address.ToString(), controller.Tokens.Current, "cloud", "3", "127.0.0.1:7420", BrowserEnvironment.Chromium);

        var cells = result.GetProperty("cells").EnumerateArray().Select(c => c.GetString() ?? "").ToArray();
        Assert.Equal(["cloud", "vm-3", "sync", "protected", "10", "0.5 s", "#41 1 s ago", "2 s ago", "4.3 s", "3 of 64 MiB"], cells.Take(10));
        Assert.Equal("vm-3 at cloud: failover started", result.GetProperty("failover").GetString());
        Assert.Equal("vm-3 at cloud: failback to 127.0.0.1:7420 started", result.GetProperty("failback").GetString());
        Assert.Equal(["failover 3 command", "failback 3 127.0.0.1:7420"], site.Calls);
    }
}
