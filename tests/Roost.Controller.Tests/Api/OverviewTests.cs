using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Store;

namespace Roost.Controller.Tests.Api;

/// <summary>
/// <c>GET /api/overview</c> and <c>/api/overview/hosts</c>: the dashboard's poll is heat-map columns and totals, names
/// come from the inventory, history is the store's samples and only what is newer than <c>since</c>.
/// </summary>
public sealed class OverviewTests
{
    [Fact]
    public async Task Overview_IsHeatColumnsAndTotals_NamedByTheInventory_WithoutAVmList()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync(TimeSpan.FromSeconds(10));

        var overview = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/overview");
        var inventory = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/overview/hosts");
        var hosts = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/hosts");

        Assert.False(overview.TryGetProperty("vms", out _));
        Assert.Equal("simulated", overview.GetProperty("driverKind").GetString());
        var heat = overview.GetProperty("heat");
        var ids = hosts.EnumerateArray().Select(h => h.GetProperty("id").GetInt32()).ToArray();
        Assert.Equal(ids, heat.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(ids, inventory.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(hosts.EnumerateArray().Select(h => h.GetProperty("name").GetString()), inventory.GetProperty("names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(overview.GetProperty("inventoryVersion").GetString(), inventory.GetProperty("version").GetString());
        var cpu = heat.GetProperty("cpuPercent").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal(hosts.EnumerateArray().Select(h => (int)Math.Round(100 * h.GetProperty("usage").GetProperty("cpuCores").GetDouble() / h.GetProperty("capacity").GetProperty("cpuCores").GetDouble())), cpu);
        Assert.Equal(hosts.EnumerateArray().Select(h => h.GetProperty("vmCount").GetInt32()), heat.GetProperty("vmCount").EnumerateArray().Select(e => e.GetInt32()));
        var totals = overview.GetProperty("totals");
        Assert.Equal((6, 12), (totals.GetProperty("hosts").GetInt32(), totals.GetProperty("runningVms").GetInt32()));
        Assert.Equal(hosts.EnumerateArray().Count(h => h.GetProperty("hot").GetBoolean()), totals.GetProperty("hotHosts").GetInt32());
    }

    [Fact]
    public async Task History_IsTheStoredSamples_OnlyThoseAfterSince_AndSurvivesARestart()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await fixture.StepAsync(TimeSpan.FromSeconds(10));
        }

        var first = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/overview");
        var version = first.GetProperty("version").GetInt64();
        var unchanged = await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/overview?since={version}");
        await fixture.StepAsync(TimeSpan.FromSeconds(10));
        var next = await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/overview?since={version}");
        await fixture.RestartAsync();
        await fixture.StepAsync(TimeSpan.FromSeconds(10));
        var restarted = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/overview");

        // One stored sample per 10 s step, summed over the six hosts: the last one is the hosts' usage as the API lists it.
        var points = first.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(3, points.Length);
        Assert.All(points, p => Assert.Equal(6, p.GetProperty("hosts").GetInt32()));
        Assert.Equal(first.GetProperty("totals").GetProperty("usage").GetProperty("cpuCores").GetDouble(), points[^1].GetProperty("cpuCores").GetDouble(), 1);
        Assert.Equal(0, unchanged.GetProperty("history").GetArrayLength());
        var newer = Assert.Single(next.GetProperty("history").EnumerateArray());
        Assert.True(newer.GetProperty("at").GetDateTimeOffset().ToUnixTimeMilliseconds() > version);
        Assert.Equal(5, restarted.GetProperty("history").GetArrayLength());
    }

    [Fact]
    public async Task LongTexts_AreCutInTheOverview_AndWholeWhereTheyAreListed()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        var message = "plan 1 (sandpiper, pending): hot: " + string.Join(", ", Enumerable.Range(0, 200).Select(i => $"host-{i}"));
        await fixture.Controller.Store.AddEventAsync(fixture.Time.GetUtcNow(), NewEvent.Info("plan", NewEvent.Controller, message), default);

        var overview = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/overview");
        var events = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/events?limit=1");

        var shown = overview.GetProperty("events")[0].GetProperty("message").GetString() ?? "";
        Assert.Equal(400, shown.Length);
        Assert.Equal(message[..399] + "…", shown);
        Assert.Equal(message, events[0].GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("/api/overview?since=abc", "since")]
    [InlineData("/api/overview?since=-1", "since")]
    [InlineData("/api/overview?since=1&since=2", "since")]
    [InlineData("/api/overview?vms=all", "vms")]
    [InlineData("/api/overview/hosts?since=1", "since")]
    public async Task BadQuery_Is400ProblemNamingTheParameter(string path, string field)
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();

        using var response = await fixture.Client.GetAsync(path);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }
}
