using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Roost.Controller.Tests.Api;

/// <summary>
/// Every endpoint that takes input refuses what it cannot act on with an RFC 7807 400 naming the field (in
/// <c>errors</c> and in <c>detail</c>), and changes nothing.
/// </summary>
public sealed class ValidationTests(SharedController shared) : IClassFixture<SharedController>
{
    private ControllerFixture Fixture => shared.Fixture;

    [Theory]
    [InlineData("POST", "/api/vms", """{"cpuCores": "NaN", "memoryMiB": 512, "networkMbps": 10}""", "cpuCores")]
    [InlineData("POST", "/api/vms", """{"cpuCores": "Infinity", "memoryMiB": 512, "networkMbps": 10}""", "cpuCores")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "memoryMiB": 1e309, "networkMbps": 10}""", "memoryMiB")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "memoryMiB": 512}""", "networkMbps")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 0, "memoryMiB": 512, "networkMbps": 10}""", "cpuCores")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "memoryMiB": 512, "networkMbps": 10, "host": -1}""", "host")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "memoryMiB": 512, "networkMbps": 10, "host": 99}""", "host")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "memoryMiB": 512, "networkMbps": 10, "host": 1.5}""", "host")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "memoryMiB": 512, "networkMbps": 10, "name": ""}""", "name")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "memoryMiB": 512, "networkMbps": 10, "name": "a\u0007b"}""", "name")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "memoryMiB": 512, "networkMbps": 10, "cpus": 4}""", "cpus")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1, "cpuCores": 2, "memoryMiB": 512, "networkMbps": 10}""", "cpuCores")]
    [InlineData("POST", "/api/vms", """[1, 2]""", "body")]
    [InlineData("POST", "/api/vms", """{"cpuCores": 1,""", "body")]
    [InlineData("POST", "/api/vms/0/migrate", """{}""", "host")]
    [InlineData("POST", "/api/vms/0/migrate", """{"host": null}""", "host")]
    [InlineData("POST", "/api/vms/0/migrate", """{"host": "1"}""", "host")]
    [InlineData("POST", "/api/vms/0/migrate", """{"host": 4294967296}""", "host")]
    [InlineData("POST", "/api/vms/0/migrate", "", "body")]
    [InlineData("POST", "/api/hosts/0/maintenance", """{}""", "enabled")]
    [InlineData("POST", "/api/hosts/0/maintenance", """{"enabled": "true"}""", "enabled")]
    [InlineData("POST", "/api/hosts/0/maintenance", """{"enabled": 1}""", "enabled")]
    [InlineData("PUT", "/api/settings", """{"mode": "sideways", "threshold": 0.8, "maxConcurrentMigrations": 2}""", "mode")]
    [InlineData("PUT", "/api/settings", """{"mode": 1, "threshold": 0.8, "maxConcurrentMigrations": 2}""", "mode")]
    [InlineData("PUT", "/api/settings", """{"mode": "manual,automatic", "threshold": 0.8, "maxConcurrentMigrations": 2}""", "mode")]
    [InlineData("PUT", "/api/settings", """{"mode": "manual", "threshold": "NaN", "maxConcurrentMigrations": 2}""", "threshold")]
    [InlineData("PUT", "/api/settings", """{"mode": "manual", "threshold": 1.5, "maxConcurrentMigrations": 2}""", "threshold")]
    [InlineData("PUT", "/api/settings", """{"mode": "manual", "threshold": 0.8}""", "maxConcurrentMigrations")]
    [InlineData("PUT", "/api/settings", """{"mode": "manual", "threshold": 0.8, "maxConcurrentMigrations": 65}""", "maxConcurrentMigrations")]
    [InlineData("GET", "/api/events?limit=abc", null, "limit")]
    [InlineData("GET", "/api/events?after=-1", null, "after")]
    [InlineData("GET", "/api/events?limit=99999999999999999999", null, "limit")]
    [InlineData("GET", "/api/plans?status=bogus", null, "status")]
    [InlineData("GET", "/api/plans?status=1", null, "status")]
    [InlineData("GET", "/api/plans?limit=0", null, "limit")]
    [InlineData("GET", "/api/migrations?limit=1&limit=2", null, "limit")]
    public async Task BadInput_Gets400NamingTheField_AndChangesNothing(string method, string path, string? body, string field)
    {
        var before = await StateAsync();
        using var request = Fixture.Authorized(new HttpMethod(method), path, body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));

        using var response = await Fixture.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{method} {path} {body}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
        Assert.Contains(field + ":", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task EveryWrongField_IsNamedAtOnce()
    {
        using var request = Fixture.Authorized(HttpMethod.Put, "/api/settings", new StringContent("""{"mode": "x", "threshold": 0}""", Encoding.UTF8, "application/json"));

        using var response = await Fixture.Client.SendAsync(request);

        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["maxConcurrentMigrations", "mode", "threshold"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ABodyThatIsNotJson_Gets415()
    {
        using var request = Fixture.Authorized(HttpMethod.Post, "/api/vms/0/migrate", new StringContent("host=1", Encoding.UTF8, "application/x-www-form-urlencoded"));

        using var response = await Fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>What a rejected request must not change: VMs, plans, settings and the hosts' maintenance flags.</summary>
    private async Task<string> StateAsync()
    {
        var store = Fixture.Controller.Store;
        var vms = string.Join(';', (await store.GetVmsAsync(default)).Select(v => $"{v.Id} {v.State} {v.Host}"));
        var plans = (await store.GetPlansAsync(null, 1000, default)).Count;
        var hosts = string.Join(';', (await store.GetHostsAsync(default)).Select(h => $"{h.Id} {h.Maintenance}"));
        return $"{vms} | {plans} plans | {await store.GetSettingsAsync(default)} | {hosts}";
    }
}
