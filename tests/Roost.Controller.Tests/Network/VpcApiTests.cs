using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Drivers;
using Roost.Controller.Tests.Api;
using Roost.Controller.Tests.Drivers;
using Roost.Hypervisor.Network;

namespace Roost.Controller.Tests.Network;

/// <summary>
/// VPCs through the API (issue 18) against a real controller (Kestrel on loopback, SQLite): tenants on the same range
/// get the same addresses without clash, a rule between overlapping routed VPCs and the deletion of a VPC with members
/// are refused, bad bodies are RFC 7807 400s, and the network intent agents read is the same after a restart.
/// </summary>
public sealed class VpcApiTests
{
    [Fact]
    public async Task Vpcs_AllocatePerTenant_RefuseConflicts_AndSurviveARestart()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();

        using var a = await Post(fixture, "/api/vpcs", new { name = "tenant-a", subnet = "10.0.0.0/24", reservedMbps = 20, enterpriseSite = 1 });
        using var b = await Post(fixture, "/api/vpcs", new { name = "tenant-b", subnet = "10.0.0.0/24" });
        using var c = await Post(fixture, "/api/vpcs", new { name = "tenant-c", subnet = "10.3.0.0/24" });
        using var memberA = await Post(fixture, "/api/vpcs/tenant-a/members", new { vm = "0" });
        using var memberB = await Post(fixture, "/api/vpcs/vpc-2/members", new { vm = "vm-1" });
        using var memberB2 = await Post(fixture, "/api/vpcs/tenant-b/members", new { vm = "vm-2" });
        using var twice = await Post(fixture, "/api/vpcs/tenant-b/members", new { vm = "vm-2" });
        using var ruleAc = await Post(fixture, "/api/vpcs/tenant-a/rules", new { to = "tenant-c" });
        using var ruleAb = await Post(fixture, "/api/vpcs/tenant-a/rules", new { to = "tenant-b" });
        using var badSubnet = await Post(fixture, "/api/vpcs", new { name = "x", subnet = "10.0.0.1/24" });
        using var unknownField = await Post(fixture, "/api/vpcs", new { name = "y", subnet = "10.9.0.0/24", vni = 7 });
        using var sameName = await Post(fixture, "/api/vpcs", new { name = "tenant-a", subnet = "10.9.0.0/24" });
        using var deleteWithMembers = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Delete, "/api/vpcs/tenant-b"));
        using var withoutToken = await fixture.Client.PostAsJsonAsync("/api/vpcs", new { name = "z", subnet = "10.8.0.0/24" });
        var network = await fixture.Client.GetStringAsync("/api/network");
        await fixture.RestartAsync();
        var afterRestart = await fixture.Client.GetStringAsync("/api/network");
        var listed = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/vpcs");

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created], new[] { a.StatusCode, b.StatusCode, c.StatusCode });
        Assert.Equal("10.0.0.2/24", (await Json(a)).GetProperty("enterprise").GetProperty("cidr").GetString());
        Assert.Equal("10.0.0.3/24", (await Json(memberA)).GetProperty("cidr").GetString());
        Assert.Equal("10.0.0.2/24", (await Json(memberB)).GetProperty("cidr").GetString());
        Assert.Equal("10.0.0.3/24", (await Json(memberB2)).GetProperty("cidr").GetString());
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Equal(HttpStatusCode.Created, ruleAc.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, ruleAb.StatusCode);
        Assert.Contains("overlap", await Detail(ruleAb), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badSubnet.StatusCode);
        Assert.Contains("subnet: '10.0.0.1/24' has host bits set", await Detail(badSubnet), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, sameName.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, deleteWithMembers.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(network, afterRestart);
        Assert.Equal(["vpc-1", "vpc-2", "vpc-3"], listed.EnumerateArray().Select(v => v.GetProperty("id").GetString()));
        Assert.Equal("10.0.0.1", listed[0].GetProperty("gateway").GetString());
        Assert.Equal(JsonValueKind.Null, listed[1].GetProperty("gateway").ValueKind);
    }

    [Fact]
    public async Task DeletedVpc_LeavesNoRuleBehind_AndItsIdIsNeverGivenAgain()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        using var a = await Post(fixture, "/api/vpcs", new { name = "a", subnet = "10.0.0.0/24" });
        using var b = await Post(fixture, "/api/vpcs", new { name = "b", subnet = "10.1.0.0/24" });
        using var rule = await Post(fixture, "/api/vpcs/b/rules", new { to = "a" });

        using var deleted = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Delete, "/api/vpcs/b"));
        using var again = await Post(fixture, "/api/vpcs", new { name = "b", subnet = "10.1.0.0/24" });
        var network = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/network");

        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal("vpc-3", (await Json(again)).GetProperty("id").GetString());
        Assert.Equal(0, network.GetProperty("rules").GetArrayLength());
    }

    [Fact]
    public async Task Network_CarriesItsVersion_AnswersNotModified_AndALongPollWakesOnAChange()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        using var a = await Post(fixture, "/api/vpcs", new { name = "a", subnet = "10.0.0.0/24" });
        using var first = await fixture.Client.GetAsync("/api/network");
        var etag = first.Headers.ETag ?? throw new InvalidOperationException("no ETag");
        var version = etag.Tag.Trim('"');

        using var unchanged = await Get(fixture, "/api/network", etag);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        using var timedOut = await Get(fixture, "/api/network?wait=1", etag);
        var timedOutAfter = waited.Elapsed;
        var poll = Get(fixture, "/api/network?wait=60", etag);
        await Task.Delay(200);
        var pollWaited = !poll.IsCompleted;
        using var b = await Post(fixture, "/api/vpcs", new { name = "b", subnet = "10.1.0.0/24" });
        using var woken = await poll.WaitAsync(TimeSpan.FromSeconds(20));
        using var badWait = await fixture.Client.GetAsync("/api/network?wait=61");
        using var unknown = await fixture.Client.GetAsync("/api/network?since=1");
        await fixture.RestartAsync();
        using var afterRestart = await Get(fixture, "/api/network", woken.Headers.ETag ?? etag);

        Assert.Equal(version, (await first.Content.ReadFromJsonAsync<NetworkResponse>(JsonSerializerOptions.Web))?.Version());
        Assert.Equal(HttpStatusCode.NotModified, unchanged.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, timedOut.StatusCode);
        Assert.True(timedOutAfter >= TimeSpan.FromSeconds(0.9), $"the long poll answered after {timedOutAfter}");
        Assert.True(pollWaited, "the long poll answered before anything changed");
        Assert.Equal(HttpStatusCode.OK, woken.StatusCode);
        Assert.NotEqual(etag, woken.Headers.ETag);
        Assert.Equal(2, (await woken.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("vpcs").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, badWait.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, afterRestart.StatusCode);
    }

    [Fact]
    public async Task SiteReports_AreListed_BoundTheReservations_AndEveryChangeIsAnEvent()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        using var unbounded = await Post(fixture, "/api/vpcs", new { name = "a", subnet = "10.0.0.0/24", reservedMbps = 30 });
        using var report1 = await Put(fixture, "/api/network/sites/1", new SiteNetworkReport(100, "0123456789abcdef", 4, null));
        using var report2 = await Put(fixture, "/api/network/sites/2", new SiteNetworkReport(50, "0123456789abcdef", 0, "site 2: tc: no such device"));
        using var tooMuch = await Post(fixture, "/api/vpcs", new { name = "b", subnet = "10.1.0.0/24", reservedMbps = 20 });
        using var fits = await Post(fixture, "/api/vpcs", new { name = "b", subnet = "10.1.0.0/24", reservedMbps = 19 });
        using var member = await Post(fixture, "/api/vpcs/a/members", new { vm = "vm-1" });
        using var rule = await Post(fixture, "/api/vpcs/a/rules", new { to = "b" });
        using var ruleRemoved = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Delete, "/api/vpcs/a/rules/b"));
        using var memberRemoved = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Delete, "/api/vpcs/a/members/vm-1"));
        using var badVersion = await Put(fixture, "/api/network/sites/1", new { uplinkMbps = 100, version = "$(reboot)", changes = 0 });
        using var badSite = await Put(fixture, "/api/network/sites/256", new SiteNetworkReport(100, "0123456789abcdef", 0, null));
        using var anonymous = await fixture.Client.PutAsJsonAsync("/api/network/sites/1", new SiteNetworkReport(100, "0123456789abcdef", 0, null));
        var sites = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/network/sites");
        var events = (await fixture.Client.GetFromJsonAsync<JsonElement>("/api/events?limit=100")).EnumerateArray()
            .Select(e => e.GetProperty("message").GetString() ?? "").ToList();

        Assert.Equal(HttpStatusCode.Created, unbounded.StatusCode);
        Assert.Equal([HttpStatusCode.NoContent, HttpStatusCode.NoContent], new[] { report1.StatusCode, report2.StatusCode });
        Assert.Equal(HttpStatusCode.Conflict, tooMuch.StatusCode);
        Assert.Contains("reservations would total 50 Mbit/s, which leaves nothing of site 2's 50 Mbit/s uplink", await Detail(tooMuch), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.NoContent, HttpStatusCode.NoContent], new[] { member.StatusCode, rule.StatusCode, ruleRemoved.StatusCode, memberRemoved.StatusCode });
        Assert.Equal(HttpStatusCode.BadRequest, badVersion.StatusCode);
        Assert.Contains("version: '$(reboot)' is not 16 lower-case hex digits", await Detail(badVersion), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, badSite.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal([1, 2], sites.EnumerateArray().Select(s => s.GetProperty("site").GetInt32()));
        Assert.Equal("site 2: tc: no such device", sites[1].GetProperty("error").GetString());
        Assert.Contains(events, e => e.StartsWith("site 1: network intent 0123456789abcdef applied (4 changes)", StringComparison.Ordinal));
        Assert.Contains(events, e => e.StartsWith("site 2: the network intent 0123456789abcdef is not applied: site 2: tc: no such device", StringComparison.Ordinal));
        Assert.Contains(events, e => e.StartsWith("vm-1 (", StringComparison.Ordinal) && e.Contains("joined vpc-1 (a) at 10.0.0.2/24", StringComparison.Ordinal));
        Assert.Contains(events, e => e.StartsWith("vm-1 (", StringComparison.Ordinal) && e.EndsWith("left vpc-1 (a)", StringComparison.Ordinal));
        Assert.Contains("rule vpc-1 <-> vpc-2 added", events);
        Assert.Contains("rule vpc-1 <-> vpc-2 removed", events);
    }

    [Fact]
    public async Task AnAgentsOwnToken_ReadsTheNetworkAndReportsItsSite_AndOpensNothingElse()
    {
        var scripted = new AgentHostDriverTests.ScriptedAgents();
        await using var agentA = await MigrationOutcomeTests.ScriptedAgentServer.StartAsync(scripted, AgentHostDriverTests.AgentA);
        await using var agentB = await MigrationOutcomeTests.ScriptedAgentServer.StartAsync(scripted, AgentHostDriverTests.AgentB);
        using var data = new TempDirectory();
        var options = ControllerFixture.Options(data) with
        {
            // Bound to every address, so reads need a token; the test connects over loopback only.
            Listen = "0.0.0.0:0",
            Agents = new AgentFleet([agentA.BaseAddress, agentB.BaseAddress], "") { AgentTokens = new Dictionary<Uri, string> { [agentA.BaseAddress] = "token-a", [agentB.BaseAddress] = "token-b" } },
        };
        await using var controller = await ControllerApp.StartAsync(options, default, new ManualTimeProvider());
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controller.Address.Port}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "token-b");

        using var network = await client.GetAsync("/api/network");
        using var report = await client.PutAsJsonAsync("/api/network/sites/2", new SiteNetworkReport(100, "0123456789abcdef", 0, null));
        using var vms = await client.GetAsync("/api/vms");
        using var sites = await client.GetAsync("/api/network/sites");
        using var create = await client.PostAsJsonAsync("/api/vpcs", new { name = "a", subnet = "10.0.0.0/24" });
        using var deep = await client.PutAsJsonAsync("/api/network/sites/2/x", new SiteNetworkReport(100, "0123456789abcdef", 0, null));
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "token-c");
        using var stranger = await client.GetAsync("/api/network");

        Assert.Equal(HttpStatusCode.OK, network.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, report.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, vms.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, sites.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, deep.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode);
    }

    private static async Task<HttpResponseMessage> Get(ControllerFixture fixture, string path, EntityTagHeaderValue etag)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(etag);
        return await fixture.Client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> Put(ControllerFixture fixture, string path, object body) =>
        fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Put, path, JsonContent.Create(body)));

    private static Task<HttpResponseMessage> Post(ControllerFixture fixture, string path, object body) =>
        fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, path, JsonContent.Create(body)));

    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static async Task<string> Detail(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString() ?? "";
}
