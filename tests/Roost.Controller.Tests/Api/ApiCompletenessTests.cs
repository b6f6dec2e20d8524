using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Roost.Controller.Store;

namespace Roost.Controller.Tests.Api;

/// <summary>
/// What an operator's tools need from the API: filters that filter, lookups by name, the whole VM life cycle
/// (create, stop, start, delete), partial settings changes, and refusal at once of a VM that can never fit.
/// Against a real controller (Kestrel on loopback, SQLite) over 6 simulated hosts sim-00..sim-05 of 8 cores and 32 GiB.
/// </summary>
public sealed class ApiCompletenessTests
{
    [Fact]
    public async Task ListVms_FiltersByHostNameOrIdAndState_AndRefusesUnknownParameters()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        var all = (await fixture.Controller.Store.GetVmsAsync(default)).ToList();
        var host = all[0].Host ?? throw new InvalidOperationException("seeded VMs are placed");
        var expected = all.Where(v => v.Host == host).Select(v => v.Id.Value).ToArray();

        var byName = await Ids($"/api/vms?host=sim-{host.Value:D2}");
        var byId = await Ids($"/api/vms?host={host.Value}");
        var byPrintedId = await Ids($"/api/vms?host=host-{host.Value}&state=running");
        var stopped = await Ids("/api/vms?state=stopped");
        using var misspelt = await fixture.Client.GetAsync("/api/vms?hosts=sim-00");
        using var badState = await fixture.Client.GetAsync("/api/vms?state=asleep");
        using var deleted = await fixture.Client.GetAsync("/api/vms?state=deleted");
        using var noSuchHost = await fixture.Client.GetAsync("/api/vms?host=nowhere");

        Assert.NotEmpty(expected);
        Assert.True(expected.Length < all.Count, "the filter must leave some VMs out for this test to mean anything");
        Assert.Equal(expected, byName);
        Assert.Equal(expected, byId);
        Assert.Equal(expected, byPrintedId);
        Assert.Empty(stopped);
        Assert.Equal(HttpStatusCode.BadRequest, misspelt.StatusCode);
        Assert.Contains("hosts: unknown query parameter", await Detail(misspelt), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
        Assert.Contains("state: 'asleep' is not one of", await Detail(badState), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, deleted.StatusCode);
        Assert.Contains("state: 'deleted' is not one of pending, running, stopping, stopped, failed (deleted VMs are not listed)", await Detail(deleted), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, noSuchHost.StatusCode);

        async Task<int[]> Ids(string path) =>
            [.. (await fixture.Client.GetFromJsonAsync<JsonElement>(path)).EnumerateArray().Select(v => v.GetProperty("id").GetInt32())];
    }

    [Fact]
    public async Task HostsAndVms_AreFoundByName_NamesAreUnique_AndIdFormsAreRefusedAsNames()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();

        using var web = await Create(new { name = "web", cpuCores = 1, memoryMiB = 1024, networkMbps = 10 });
        using var again = await Create(new { name = "web", cpuCores = 1, memoryMiB = 1024, networkMbps = 10 });
        using var idLike = await Create(new { name = "vm-40", cpuCores = 1, memoryMiB = 1024, networkMbps = 10 });
        using var unnamed = await Create(new { cpuCores = 1, memoryMiB = 1024, networkMbps = 10 });
        var webId = (await web.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        var unnamedVm = await unnamed.Content.ReadFromJsonAsync<JsonElement>();
        var hostByName = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/hosts/sim-02");
        var hostById = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/hosts/host-2");
        var vmByName = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/vms/web");
        var seededByName = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/vms/vm-003");
        using var missing = await fixture.Client.GetAsync("/api/vms/nothing-here");

        Assert.Equal(HttpStatusCode.Accepted, web.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains($"taken by vm-{webId}", await Detail(again), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, idLike.StatusCode);
        Assert.Contains("name: 'vm-40' has the form of a VM id", await Detail(idLike), StringComparison.Ordinal);
        Assert.Equal($"vm-{unnamedVm.GetProperty("id").GetInt32()}", unnamedVm.GetProperty("name").GetString());
        Assert.Equal((2, "sim-02"), (hostByName.GetProperty("id").GetInt32(), hostByName.GetProperty("name").GetString()));
        Assert.Equal(2, hostById.GetProperty("id").GetInt32());
        Assert.Equal(webId, vmByName.GetProperty("id").GetInt32());
        Assert.Equal(3, seededByName.GetProperty("id").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("no VM is named 'nothing-here'", await Detail(missing), StringComparison.Ordinal);

        Task<HttpResponseMessage> Create(object body) => fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, "/api/vms", JsonContent.Create(body)));
    }

    [Fact]
    public async Task MaintenanceAndMigration_TakeHostsAndVmsByName()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        var vm = (await fixture.Controller.Store.GetVmsAsync(default))[0];
        var to = vm.Host?.Value == 5 ? 4 : 5;

        using var maintenance = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, "/api/hosts/sim-01/maintenance", JsonContent.Create(new { enabled = true })));
        using var migrate = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, $"/api/vms/{vm.Name}/migrate", JsonContent.Create(new { host = to })));
        await fixture.StepAsync();
        await fixture.StepAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(HttpStatusCode.Accepted, maintenance.StatusCode);
        Assert.True((await fixture.Controller.Store.GetHostsAsync(default)).Single(h => h.Id.Value == 1).Maintenance);
        Assert.Equal(HttpStatusCode.Accepted, migrate.StatusCode);
        Assert.Equal(to, (await fixture.Client.GetFromJsonAsync<JsonElement>($"/api/vms/{vm.Name}")).GetProperty("host").GetInt32());
    }

    [Fact]
    public async Task VmLifeCycle_StopStartDelete_AndADeletedIdIsNeverReused()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        await fixture.StepAsync();
        using var created = await Send(HttpMethod.Post, "/api/vms", new { name = "db", cpuCores = 1, memoryMiB = 1024, networkMbps = 10, host = 4 });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        await fixture.StepAsync();

        using var deleteRunning = await Send(HttpMethod.Delete, "/api/vms/db");
        using var startRunning = await Send(HttpMethod.Post, "/api/vms/db/start");
        using var stop = await Send(HttpMethod.Post, "/api/vms/db/stop");
        await fixture.StepAsync();
        var stopped = await State();
        using var start = await Send(HttpMethod.Post, "/api/vms/db/start");
        await fixture.StepAsync();
        var restarted = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/vms/db");
        using var stopAgain = await Send(HttpMethod.Post, $"/api/vms/vm-{id}/stop");
        await fixture.StepAsync();
        using var delete = await Send(HttpMethod.Delete, "/api/vms/db");
        using var gone = await fixture.Client.GetAsync($"/api/vms/{id}");
        var listed = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/vms");
        using var reused = await Send(HttpMethod.Post, "/api/vms", new { name = "db", cpuCores = 1, memoryMiB = 1024, networkMbps = 10 });
        var next = (await reused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

        Assert.Equal(HttpStatusCode.Conflict, deleteRunning.StatusCode);
        Assert.Contains("only a stopped or failed VM can be deleted", await Detail(deleteRunning), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, startRunning.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, stop.StatusCode);
        Assert.Equal("stopped", stopped);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        Assert.Equal(("running", 4), (restarted.GetProperty("state").GetString(), restarted.GetProperty("host").GetInt32()));
        Assert.Equal(HttpStatusCode.Accepted, stopAgain.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.DoesNotContain(listed.EnumerateArray(), v => v.GetProperty("id").GetInt32() == id);
        Assert.Equal(HttpStatusCode.Accepted, reused.StatusCode);
        Assert.True(next > id, $"a new VM got id {next}, not above the deleted vm-{id}");
        Assert.Contains((await fixture.Controller.Store.GetRecentEventsAsync(20, EventFilter.All, default)).Select(e => e.Message), m => m == $"vm-{id} (db) deleted (operator)");

        Task<HttpResponseMessage> Send(HttpMethod method, string path, object? body = null) =>
            fixture.Client.SendAsync(fixture.Authorized(method, path, body is null ? null : JsonContent.Create(body)));

        async Task<string?> State() => (await fixture.Client.GetFromJsonAsync<JsonElement>("/api/vms/db")).GetProperty("state").GetString();
    }

    [Theory]
    [InlineData(4, 40_000, null, "can never fit: no host can hold it")]
    [InlineData(13, 1024, null, "can never fit: no host can hold it")]
    [InlineData(4, 40_000, 2, "can never fit on host-2 (sim-02)")]
    public async Task CreateVm_ThatCanNeverFit_Is409AtOnce_AndNothingIsStored(double cores, double memoryMiB, int? host, string expected)
    {
        await using var fixture = await ControllerFixture.StartAsync();
        var before = (await fixture.Controller.Store.GetVmsAsync(default)).Count;

        using var response = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, "/api/vms", JsonContent.Create(new { cpuCores = cores, memoryMiB, networkMbps = 10, host })));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains(expected, await Detail(response), StringComparison.Ordinal);
        Assert.Equal(before, (await fixture.Controller.Store.GetVmsAsync(default)).Count);
    }

    [Fact]
    public async Task PatchSettings_ChangesOnlyTheFieldsGiven_AndRefusesAnEmptyOrWrongPatch()
    {
        await using var fixture = await ControllerFixture.StartAsync();

        using var threshold = await Patch("""{"threshold": 0.5}""");
        using var mode = await Patch("""{"mode": "manual"}""");
        using var empty = await Patch("{}");
        using var wrong = await Patch("""{"maxConcurrentMigrations": 0, "mode": "sideways"}""");
        using var anonymous = await fixture.Client.PatchAsync("/api/settings", new StringContent("""{"threshold": 0.9}""", System.Text.Encoding.UTF8, "application/json"));
        var settings = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/settings");

        Assert.Equal(HttpStatusCode.OK, threshold.StatusCode);
        Assert.Equal(HttpStatusCode.OK, mode.StatusCode);
        Assert.Equal(("manual", 0.5, 4), (settings.GetProperty("mode").GetString(), settings.GetProperty("threshold").GetDouble(), settings.GetProperty("maxConcurrentMigrations").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("body: required: at least one of", await Detail(empty), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var detail = await Detail(wrong);
        Assert.Contains("mode: 'sideways'", detail, StringComparison.Ordinal);
        Assert.Contains("maxConcurrentMigrations: 0 is out of range", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        Task<HttpResponseMessage> Patch(string json) =>
            fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Patch, "/api/settings", new StringContent(json, System.Text.Encoding.UTF8, "application/json")));
    }

    [Fact]
    public async Task OpenApi_DeclaresTheBearerScheme_ProblemResponses_AndExactNumberTypes()
    {
        await using var fixture = await ControllerFixture.StartAsync();

        var document = await fixture.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        var delete = document.GetProperty("paths").GetProperty("/api/vms/{vm}").GetProperty("delete");
        Assert.True(delete.GetProperty("security")[0].TryGetProperty("bearer", out _));
        Assert.Equal(["204", "401", "404", "409", "503"], delete.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal("#/components/schemas/ProblemDetails", delete.GetProperty("responses").GetProperty("409").GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
        var create = document.GetProperty("paths").GetProperty("/api/vms").GetProperty("post").GetProperty("responses");
        Assert.All(new[] { "400", "401", "409", "413", "415", "503" }, status => Assert.True(create.TryGetProperty(status, out _), $"POST /api/vms does not declare {status}"));
        var read = document.GetProperty("paths").GetProperty("/api/vms").GetProperty("get");
        Assert.False(read.TryGetProperty("security", out _), "reads on loopback need no token");
        Assert.Equal(["host", "state"], read.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()));

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var cpu = schemas.GetProperty("ResourcesDto").GetProperty("properties").GetProperty("cpuCores");
        Assert.Equal(("number", "double"), (cpu.GetProperty("type").GetString(), cpu.GetProperty("format").GetString()));
        Assert.False(cpu.TryGetProperty("anyOf", out _));
        var id = schemas.GetProperty("VmResponse").GetProperty("properties").GetProperty("id");
        Assert.Equal(("integer", "int32"), (id.GetProperty("type").GetString(), id.GetProperty("format").GetString()));
        var request = schemas.GetProperty("CreateVmRequest");
        Assert.Equal(["cpuCores", "memoryMiB", "networkMbps"], request.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("number", request.GetProperty("properties").GetProperty("memoryMiB").GetProperty("type").GetString());
        Assert.False(schemas.GetProperty("SettingsPatchRequest").TryGetProperty("required", out var none) && none.GetArrayLength() > 0);
    }

    [Fact]
    public async Task BoundBeyondLoopback_ReadsNeedTheToken_ButHealthAndTheDashboardPageDoNot()
    {
        // Bound to every address (so the rule applies); the test only ever connects over loopback.
        using var directory = new TempDirectory();
        await using var controller = await ControllerApp.StartAsync(ControllerFixture.Options(directory) with { Listen = "0.0.0.0:0" }, default, new ManualTimeProvider());
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controller.Address.Port}") };
        await controller.Loop.StepAsync(default);

        using var anonymous = await client.GetAsync("/api/vms");
        using var metrics = await client.GetAsync("/metrics");
        using var health = await client.GetAsync("/healthz");
        using var page = await client.GetAsync("/");
        using var document = await client.GetAsync("/openapi/v1.json");
        using var withToken = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/vms") { Headers = { Authorization = new("Bearer", controller.Tokens.Current) } });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("listens beyond loopback, so reads need", await Detail(anonymous), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        var openApi = await document.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(openApi.GetProperty("paths").GetProperty("/api/vms").GetProperty("get").TryGetProperty("security", out _), "the document says reads need the token");
    }

    private static async Task<string> Detail(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString() ?? "";
}
