using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Roost.Controller.Tests.Api;

public sealed class SecurityTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789")]
    public async Task MutatingRequest_WithoutOrWithWrongToken_Gets401ProblemDetails(string? token)
    {
        await using var fixture = await ControllerFixture.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/settings") { Content = JsonContent.Create(new { mode = "manual", threshold = 0.8, maxConcurrentMigrations = 2 }) };
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        var settings = await fixture.Client.GetFromJsonAsync<JsonElement>("/api/settings");
        Assert.Equal("automatic", settings.GetProperty("mode").GetString());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TokenFile_IsReadableByOwnerOnly_AndRotationReplacesIt()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        var path = Path.Combine(fixture.Directory.Path, "token");
        var old = fixture.Controller.Tokens.Current;

        using var rotate = fixture.Authorized(HttpMethod.Post, "/api/token/rotate");
        using var response = await fixture.Client.SendAsync(rotate);
        var fresh = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
        using var withOld = new HttpRequestMessage(HttpMethod.Post, "/api/token/rotate") { Headers = { Authorization = new("Bearer", old) } };
        using var oldResponse = await fixture.Client.SendAsync(withOld);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(old, fresh);
        Assert.Equal(fresh, (await File.ReadAllTextAsync(path)).Trim());
        Assert.Equal(HttpStatusCode.Unauthorized, oldResponse.StatusCode);
    }

    [Fact]
    public async Task MalformedJson_Gets400ProblemDetails()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        using var request = fixture.Authorized(HttpMethod.Post, "/api/vms", new StringContent("{\"cpuCores\": 2,", Encoding.UTF8, "application/json"));

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task OversizedBody_Gets413ProblemDetails()
    {
        await using var fixture = await ControllerFixture.StartAsync();
        var huge = "{\"name\": \"" + new string('x', 200_000) + "\", \"cpuCores\": 1, \"memoryMiB\": 512, \"networkMbps\": 10}";
        using var request = fixture.Authorized(HttpMethod.Post, "/api/vms", new StringContent(huge, Encoding.UTF8, "application/json"));

        using var response = await fixture.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task UnknownVm_Gets404ProblemDetails_AndInvalidSize400()
    {
        await using var fixture = await ControllerFixture.StartAsync();

        using var missing = await fixture.Client.GetAsync("/api/vms/999");
        using var bad = await fixture.Client.SendAsync(fixture.Authorized(HttpMethod.Post, "/api/vms", JsonContent.Create(new { cpuCores = -1, memoryMiB = 512, networkMbps = 10 })));

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("vm-999", (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("cpuCores", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
