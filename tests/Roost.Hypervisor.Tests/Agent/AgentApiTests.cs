using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>Bad input to the agent API, answered before any QEMU runs: each a precise RFC 7807 problem.</summary>
public sealed class AgentApiTests : IAsyncLifetime
{
    private AgentServer? _server;

    private AgentServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var name = $"api{Environment.ProcessId}";
        var image = new GuestImage("minimal", "/nonexistent/kernel", "/nonexistent/initrd", "none", KernelIsVmlinux: true);
        var options = new AgentOptions(name, new AgentCapacity(2, 512), QemuFixture.Token, image, Accelerator.Tcg, "/nonexistent/qemu",
            Path.Combine(Path.GetTempPath(), "roost-tests", name));
        _server = await AgentServer.StartAsync(options, "127.0.0.1:0", TimeProvider.System, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            Directory.Delete(_server.Agent.Options.EffectiveRunDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task WrongToken_Is401ProblemWithBearerChallenge()
    {
        using var client = new AgentClient(Server.BaseAddress, "not-the-token");

        using var response = await client.GetAsync("api/vms");

        var (type, detail) = await AgentClient.ProblemAsync(response, 401);
        Assert.Equal("urn:roost:problem:unauthorized", type);
        Assert.Contains("token is wrong", detail, StringComparison.Ordinal);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task MissingToken_Is401Problem_EvenForTheOpenApiDocument()
    {
        using var client = new AgentClient(Server.BaseAddress, token: null);

        using var response = await client.GetAsync("openapi/v1.json");

        var (_, detail) = await AgentClient.ProblemAsync(response, 401);
        Assert.Contains("no 'Authorization: Bearer <token>' header", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJson_Is400ProblemNamingThePosition()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostRawAsync("api/vms", "{\"id\": \"vm-1\", \"cpus\": }");

        var (type, detail) = await AgentClient.ProblemAsync(response, 400);
        Assert.Equal("urn:roost:problem:bad-request", type);
        Assert.StartsWith("POST /api/vms: malformed JSON at line 1, byte ", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownField_Is400Problem()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostRawAsync("api/vms", "{\"id\": \"vm-1\", \"cpus\": 1, \"memoryMiB\": 128, \"disk\": 5}");

        var (_, detail) = await AgentClient.ProblemAsync(response, 400);
        Assert.Contains("disk", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"id\": \"Bad_Id\", \"cpus\": 1, \"memoryMiB\": 128}", "VM id 'Bad_Id'")]
    [InlineData("{\"id\": \"vm-1\", \"cpus\": 0, \"memoryMiB\": 128}", "cpus 0")]
    [InlineData("{\"id\": \"vm-1\", \"cpus\": 1}", "needs id, cpus and memoryMiB")]
    public async Task InvalidSpec_Is400ProblemNamingTheField(string body, string expected)
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostRawAsync("api/vms", body);

        var (_, detail) = await AgentClient.ProblemAsync(response, 400);
        Assert.Contains(expected, detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GET", "api/vms/nope")]
    [InlineData("GET", "api/vms/nope/stats")]
    [InlineData("GET", "api/vms/nope/memory?offset=0&length=4096")]
    [InlineData("POST", "api/vms/nope/pause")]
    [InlineData("POST", "api/vms/nope/stop")]
    [InlineData("DELETE", "api/vms/nope")]
    [InlineData("DELETE", "api/vms/nope/migration")]
    public async Task UnknownVm_Is404ProblemNamingAgentAndVm(string method, string path)
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = method switch
        {
            "GET" => await client.GetAsync(path),
            "POST" => await client.PostAsync(path, null),
            _ => await client.DeleteAsync(path),
        };

        var (type, detail) = await AgentClient.ProblemAsync(response, 404);
        Assert.Equal("urn:roost:problem:unknown-vm", type);
        Assert.Equal($"agent '{Server.Agent.Name}' has no VM 'nope'", detail);
    }

    [Fact]
    public async Task MigrateUnknownVm_Is404Problem()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostAsync("api/vms/nope/migrate", new MigrateRequest("http://127.0.0.1:9/", null, null));

        await AgentClient.ProblemAsync(response, 404);
    }

    [Fact]
    public async Task MigrateToNonUrl_Is400Problem()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostAsync("api/vms/nope/migrate", new MigrateRequest("somewhere", null, null));

        var (_, detail) = await AgentClient.ProblemAsync(response, 400);
        Assert.Contains("destination 'somewhere' is not an agent URL", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CapacityExceeded_Is409ProblemAndReservesNothing()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostAsync("api/vms", new CreateVmRequest("big", 1, 1024));

        var (type, detail) = await AgentClient.ProblemAsync(response, 409);
        Assert.Equal("urn:roost:problem:capacity-exceeded", type);
        Assert.Contains("memory=1024 of capacity cpus=2,memory=512", detail, StringComparison.Ordinal);
        Assert.Empty(await client.GetJsonAsync<List<VmInfo>>("api/vms"));
    }

    [Fact]
    public async Task QemuThatCannotStart_Is500ProblemAndFreesTheSlot()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostAsync("api/vms", new CreateVmRequest("vm-1", 1, 128));

        var (type, detail) = await AgentClient.ProblemAsync(response, 500);
        Assert.Equal("urn:roost:problem:hypervisor-failed", type);
        Assert.Contains("/nonexistent/qemu", detail, StringComparison.Ordinal);
        Assert.Equal(0, (await client.GetJsonAsync<AgentInfo>("api/agent")).Reserved.MemoryMiB);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheMigrationEndpoint()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.GetAsync("openapi/v1.json");

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        Assert.Contains("/api/vms/{id}/migrate", text, StringComparison.Ordinal);
        Assert.Contains("/api/incoming", text, StringComparison.Ordinal);
    }
}
