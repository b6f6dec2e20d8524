using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Tests.Api;

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

    private static Task<HttpResponseMessage> Post(ControllerFixture fixture, string path, object body) =>
        fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, path, JsonContent.Create(body)));

    private static async Task<JsonElement> Json(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private static async Task<string> Detail(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString() ?? "";
}
