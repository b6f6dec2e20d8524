using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Roost.Controller.Recovery;
using Roost.Controller.Store;
using Roost.Controller.Tests.Api;
using Roost.Hypervisor.Recovery;

namespace Roost.Controller.Tests.Recovery;

/// <summary>
/// The controller's side of disaster recovery (issue 17): a real controller (Kestrel on loopback, SQLite, a manual
/// clock) watching cloud sites that are real <see cref="DrStatusServer"/>s on loopback with a recording
/// <see cref="TestDrSite"/> behind them. Polls are driven by the test (<see cref="DrSiteMonitor.PollAsync"/>), so
/// nothing waits on the 2-second loop.
/// </summary>
public sealed class DrSiteTests
{
    private static async Task<(RunningController Controller, HttpClient Client, TempDirectory Directory)> StartAsync(params (string Name, string Address, string Token)[] sites)
    {
        var directory = new TempDirectory();
        var endpoints = sites.Select(s => DrSiteEndpoint.TryCreate(s.Name, s.Address, s.Token, out var site, out var error) ? site : throw new InvalidOperationException(error)).ToList();
        var controller = await ControllerApp.StartAsync(ControllerFixture.Options(directory) with { DrSites = endpoints }, default, new ManualTimeProvider());
        var client = new HttpClient { BaseAddress = controller.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", controller.Tokens.Current);
        await controller.Dr.PollAsync(default);
        return (controller, client, directory);
    }

    private static async Task StopAsync(RunningController controller, HttpClient client, TempDirectory directory)
    {
        client.Dispose();
        await controller.DisposeAsync();
        directory.Dispose();
    }

    [Fact]
    public async Task Poll_ReadsEachSitesStatus_SendingEachSiteOnlyItsOwnToken()
    {
        await using var a = await TestDrSite.StartAsync("token-of-a");
        await using var b = await TestDrSite.StartAsync("token-of-b");
        b.Status = TestDrSite.Sample() with { Vms = [] };
        await using var c = await RecordingListener.StartAsync();
        var (controller, client, directory) = await StartAsync(("b", b.Address, b.Token), ("a", a.Address, a.Token), ("c", c.Address, "token-of-c"));
        try
        {
            await controller.Dr.PollAsync(default);
            var sites = await client.GetFromJsonAsync<JsonElement>("/api/dr");

            Assert.Equal(["a", "b", "c"], sites.EnumerateArray().Select(s => s.GetProperty("name").GetString()));
            var siteA = sites[0];
            Assert.True(siteA.GetProperty("reachable").GetBoolean());
            Assert.Equal(JsonValueKind.Null, siteA.GetProperty("problem").ValueKind);
            Assert.Equal(a.Address, siteA.GetProperty("address").GetString());
            var vm = siteA.GetProperty("status").GetProperty("vms")[0];
            Assert.Equal((3, "sync", "protected", 1200, 10), (vm.GetProperty("vm").GetInt32(), vm.GetProperty("mode").GetString(), vm.GetProperty("state").GetString(), vm.GetProperty("applied").GetInt64(), vm.GetProperty("lag").GetInt64()));
            Assert.Equal(4.25, vm.GetProperty("failover").GetProperty("rtoSeconds").GetDouble());
            Assert.Equal(3 << 20, vm.GetProperty("failback").GetProperty("movedBytes").GetInt64());
            Assert.True(sites[1].GetProperty("reachable").GetBoolean());
            Assert.Empty(sites[1].GetProperty("status").GetProperty("vms").EnumerateArray());

            // The listener that is not a site saw its own token and no other; it refused it, which the view says.
            Assert.False(sites[2].GetProperty("reachable").GetBoolean());
            Assert.StartsWith($"DR site c (127.0.0.1:", sites[2].GetProperty("problem").GetString(), StringComparison.Ordinal);
            Assert.Contains("GET /status: 401: it refused the controller's token (--dr-token-file c)", sites[2].GetProperty("problem").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, sites[2].GetProperty("status").ValueKind);
            Assert.NotEmpty(c.Authorizations);
            Assert.All(c.Authorizations, h => Assert.Equal("Bearer token-of-c", h));
        }
        finally
        {
            await StopAsync(controller, client, directory);
        }
    }

    [Fact]
    public async Task TheBackgroundLoop_ReadsEachSiteAgainEveryInterval_OnTheControllersClock()
    {
        await using var site = await TestDrSite.StartAsync("site-token");
        using var directory = new TempDirectory();
        var time = new ManualTimeProvider();
        DrSiteEndpoint.TryCreate("cloud", site.Address, site.Token, out var endpoint, out _);
        var options = ControllerFixture.Options(directory) with { DrSites = [endpoint!], DrPollInterval = TimeSpan.FromSeconds(2) };
        await using var controller = await ControllerApp.StartAsync(options, default, time);

        var first = await Poll.UntilAsync(() => Task.FromResult(controller.Dr.Find("cloud") is { Reachable: true } v ? v : null), TimeSpan.FromSeconds(30), () => Task.FromResult($"{controller.Dr.Find("cloud")}"));
        site.Status = TestDrSite.Sample(Roost.Core.Recovery.DrVmStates.FailedOver);

        // The clock moves on by an interval at each look, so a read that starts its wait after a move is not missed.
        var later = await Poll.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromSeconds(2));
                return Task.FromResult(controller.Dr.Find("cloud") is { Status.Vms: [{ State: "failed-over" }, ..] } v ? v : null);
            },
            TimeSpan.FromSeconds(30),
            () => Task.FromResult($"{controller.Dr.Find("cloud")}"));

        Assert.Equal("protected", first.Status?.Vms[0].State);
        Assert.True(later.ReadAt > first.ReadAt, "the later read is stamped with the controller's clock, moved on since");
    }

    [Fact]
    public async Task Actions_AreForwardedToTheSite_EachAnswerMapped_AndEachRecordedAsAnEvent()
    {
        await using var site = await TestDrSite.StartAsync("site-token");
        var (controller, client, directory) = await StartAsync(("cloud", site.Address, site.Token));
        try
        {
            site.Status = TestDrSite.Sample(Roost.Core.Recovery.DrVmStates.FailingOver);
            site.Answers.Enqueue(new DrActionResult.Started());
            site.Answers.Enqueue(new DrActionResult.UnknownVm());
            site.Answers.Enqueue(new DrActionResult.Conflict("vm 3 is failing over already"));
            site.Answers.Enqueue(new DrActionResult.Started());

            using var started = await client.PostAsync("/api/dr/sites/cloud/vms/3/failover", null);
            using var unknown = await client.PostAsync("/api/dr/sites/cloud/vms/9/failover", null);
            using var conflict = await client.PostAsync("/api/dr/sites/cloud/vms/3/failover", null);
            using var failback = await client.PostAsJsonAsync("/api/dr/sites/cloud/vms/3/failback", new { to = "127.0.0.1:7420" });
            using var badBody = await client.PostAsJsonAsync("/api/dr/sites/cloud/vms/3/failback", new { to = "primary:7420" });
            using var noBody = await client.PostAsync("/api/dr/sites/cloud/vms/3/failback", null);
            using var anonymous = new HttpClient { BaseAddress = controller.Address };
            using var noToken = await anonymous.PostAsync("/api/dr/sites/cloud/vms/3/failover", null);

            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
            var vm = await started.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal((3, "failing-over"), (vm.GetProperty("vm").GetInt32(), vm.GetProperty("state").GetString()));
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("DR site cloud: POST /vms/9/failover: VM 9 is not protected at this site", await Detail(unknown));
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Equal("DR site cloud: POST /vms/3/failover: vm 3 is failing over already", await Detail(conflict));
            Assert.Equal("application/problem+json", conflict.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.Accepted, failback.StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, badBody.StatusCode);
            Assert.Contains("to: 'primary:7420' is not ADDRESS:PORT", await Detail(badBody), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);

            // Only the requests the controller accepted reached the site, each once, with the failback's address parsed.
            Assert.Equal(["failover 3 command", "failover 9 command", "failover 3 command", "failback 3 127.0.0.1:7420"], site.Calls);

            // The view shows the started failover at once, before the next poll.
            var view = controller.Dr.Find("cloud") ?? throw new InvalidOperationException("no view");
            Assert.Equal("failing-over", view.Status?.Vms.Single(v => v.Vm == 3).State);

            var events = (await controller.Store.GetEventsAsync(0, int.MaxValue, EventFilter.All, default)).Where(e => e.Kind == "dr").ToList();
            Assert.Equal(
                [
                    ("dr/cloud/vm-3", EventSeverity.Info, "failover of vm-3 at DR site cloud (operator): started, failing-over"),
                    ("dr/cloud/vm-9", EventSeverity.Warning, "failover of vm-9 at DR site cloud (operator): refused: DR site cloud: POST /vms/9/failover: VM 9 is not protected at this site"),
                    ("dr/cloud/vm-3", EventSeverity.Warning, "failover of vm-3 at DR site cloud (operator): refused: DR site cloud: POST /vms/3/failover: vm 3 is failing over already"),
                    ("dr/cloud/vm-3", EventSeverity.Info, "failback to 127.0.0.1:7420 of vm-3 at DR site cloud (operator): started, failing-over"),
                ],
                events.Select(e => (e.Entity, e.Severity, e.Message)));
        }
        finally
        {
            await StopAsync(controller, client, directory);
        }
    }

    [Fact]
    public async Task SiteDown_PollSaysUnreachable_KeepsTheLastStatus_AndAnActionIs502()
    {
        var site = await TestDrSite.StartAsync("site-token");
        var address = site.Address;
        var (controller, client, directory) = await StartAsync(("cloud", address, site.Token));
        try
        {
            var before = controller.Dr.Find("cloud") ?? throw new InvalidOperationException("no view");
            await site.DisposeAsync();
            await controller.Dr.PollAsync(default);
            using var failover = await client.PostAsync("/api/dr/sites/cloud/vms/3/failover", null);
            var after = controller.Dr.Find("cloud") ?? throw new InvalidOperationException("no view");

            Assert.True(before.Reachable);
            Assert.False(after.Reachable);
            Assert.StartsWith($"DR site cloud ({address}): GET /status: unreachable: ", after.Problem, StringComparison.Ordinal);
            Assert.Same(before.Status, after.Status);
            Assert.Equal(before.ReadAt, after.ReadAt);
            Assert.Equal(HttpStatusCode.BadGateway, failover.StatusCode);
            Assert.StartsWith($"DR site cloud ({address}): POST /vms/3/failover: unreachable: ", await Detail(failover), StringComparison.Ordinal);
            var events = await controller.Store.GetEventsAsync(0, int.MaxValue, EventFilter.All, default);
            Assert.Contains(events, e => e.Entity == "dr/cloud/vm-3" && e.Severity == EventSeverity.Error && e.Message.Contains(": failed: DR site cloud", StringComparison.Ordinal));
        }
        finally
        {
            await StopAsync(controller, client, directory);
        }
    }

    [Fact]
    public async Task BadSiteOrVm_IsAProblem_AndNothingIsForwarded()
    {
        await using var site = await TestDrSite.StartAsync("site-token");
        var (controller, client, directory) = await StartAsync(("cloud", site.Address, site.Token));
        try
        {
            using var noSite = await client.PostAsync("/api/dr/sites/elsewhere/vms/3/failover", null);
            using var badVm = await client.PostAsync("/api/dr/sites/cloud/vms/three/failover", null);
            using var negative = await client.PostAsync("/api/dr/sites/cloud/vms/-1/failback", JsonContent.Create(new { to = "127.0.0.1:7420" }));

            Assert.Equal(HttpStatusCode.NotFound, noSite.StatusCode);
            Assert.Equal("no DR site is named 'elsewhere': the sites are cloud", await Detail(noSite));
            Assert.Equal(HttpStatusCode.BadRequest, badVm.StatusCode);
            Assert.Equal("vm: 'three' is not a VM number (0 to 999999999, as the site's --vm gives it)", await Detail(badVm));
            Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
            Assert.Empty(site.Calls);
        }
        finally
        {
            await StopAsync(controller, client, directory);
        }
    }

    [Theory]
    [InlineData("not json", "malformed status: ")]
    [InlineData("""{"at":"2026-12-07T16:00:00Z","checkpointIntervalSeconds":1,"retainCheckpoints":1,"checkpointsKept":0,"vms":[{"vm":1,"diskBytes":1,"applied":0,"connected":false,"lost":false,"state":"\u001b[31mexploded"}]}""",
        "malformed status: VM 1: state '\\x1B[31mexploded' is not one of protected, lost, failing-over, failed-over, failing-back, failed-back, failed")]
    [InlineData("""{"at":"2026-12-07T16:00:00Z","checkpointIntervalSeconds":1,"retainCheckpoints":1,"checkpointsKept":0,"vms":[{"vm":1,"diskBytes":-5,"applied":0,"connected":false,"lost":false}]}""",
        "malformed status: VM 1: a count is negative")]
    [InlineData("""{"at":"2026-12-07T16:00:00Z","checkpointIntervalSeconds":1,"retainCheckpoints":1,"checkpointsKept":0}""", "malformed status: no 'vms'")]
    [InlineData("big", "its answer is larger than 4194304 bytes")]
    public async Task AMalformedOrHugeStatus_IsOneProblemLine_NamingTheSite(string body, string expected)
    {
        await using var listener = await RecordingListener.StartAsync();
        listener.Code = 200;
        listener.Body = body == "big" ? new byte[DrSiteAnswer.MaxBodyBytes + 1] : Encoding.UTF8.GetBytes(body);
        var (controller, client, directory) = await StartAsync(("odd", listener.Address, "t"));
        try
        {
            var view = controller.Dr.Find("odd") ?? throw new InvalidOperationException("no view");

            Assert.False(view.Reachable);
            Assert.Null(view.Status);
            Assert.StartsWith($"DR site odd ({listener.Address}): GET /status: ", view.Problem, StringComparison.Ordinal);
            Assert.Contains(expected, view.Problem, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', view.Problem ?? "");
            Assert.DoesNotContain('\u001b', view.Problem ?? "");
        }
        finally
        {
            await StopAsync(controller, client, directory);
        }
    }

    [Theory]
    [InlineData("Cloud", "127.0.0.1:1", "--dr-site: 'Cloud' is not a site name (1 to 32 of a-z, 0-9 and '-', starting with a letter)")]
    [InlineData("cloud", "localhost:7412", "--dr-site cloud: 'localhost:7412' is not ADDRESS:PORT (an IP address and a port from 1, e.g. 127.0.0.1:7412)")]
    [InlineData("cloud", "127.0.0.1:0", "--dr-site cloud: '127.0.0.1:0' is not ADDRESS:PORT (an IP address and a port from 1, e.g. 127.0.0.1:7412)")]
    [InlineData("cloud", "127.0.0.1", "--dr-site cloud: '127.0.0.1' is not ADDRESS:PORT (an IP address and a port from 1, e.g. 127.0.0.1:7412)")]
    public void ASiteIsANameAndAnIpEndPoint(string name, string address, string expected)
    {
        Assert.False(DrSiteEndpoint.TryCreate(name, address, "token", out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public async Task TwoSitesOfOneName_AreRefusedAtStart()
    {
        using var directory = new TempDirectory();
        var site = new DrSiteEndpoint("cloud", IPEndPoint.Parse("127.0.0.1:7412"), "t");
        var options = ControllerFixture.Options(directory) with { DrSites = [site, site with { Address = IPEndPoint.Parse("127.0.0.1:7413") }] };

        var e = await Assert.ThrowsAsync<ArgumentException>(() => ControllerApp.StartAsync(options, default, new ManualTimeProvider()));

        Assert.StartsWith("--dr-site: site 'cloud' is given twice", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("t)", site.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_DescribesTheDrEndpoints_TheirBodyAndProblems()
    {
        var (controller, client, directory) = await StartAsync();
        try
        {
            var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
            var paths = document.GetProperty("paths");
            var failback = paths.GetProperty("/api/dr/sites/{site}/vms/{vm}/failback").GetProperty("post");
            var failover = paths.GetProperty("/api/dr/sites/{site}/vms/{vm}/failover").GetProperty("post");

            Assert.True(paths.GetProperty("/api/dr").TryGetProperty("get", out _));
            Assert.Equal(["202", "400", "401", "404", "409", "413", "415", "502", "503"], failback.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
            Assert.Equal(["202", "400", "401", "404", "409", "502", "503"], failover.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
            Assert.True(failover.GetProperty("security")[0].TryGetProperty("bearer", out _));
            Assert.Equal(["to"], document.GetProperty("components").GetProperty("schemas").GetProperty("FailbackRequest").GetProperty("required").EnumerateArray().Select(r => r.GetString()));
            Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("/api/dr")).GetArrayLength());
        }
        finally
        {
            await StopAsync(controller, client, directory);
        }
    }

    private static async Task<string> Detail(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString() ?? "";
}
