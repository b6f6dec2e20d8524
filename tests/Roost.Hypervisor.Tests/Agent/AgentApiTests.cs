using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>Bad input to the agent API, answered before any QEMU runs: each a precise RFC 7807 problem.</summary>
public sealed class AgentApiTests : IAsyncLifetime
{
    private AgentServer? _server;

    private AgentServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await QemulessAgent.StartAsync("api", new AgentCapacity(2, 512));

    public Task DisposeAsync() => QemulessAgent.StopAsync(_server);

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

        using var response = await client.PostAsync("api/vms/nope/migrate", new MigrateRequest("http://127.0.0.1:9/", "some-ticket", null));

        await AgentClient.ProblemAsync(response, 404);
    }

    [Fact]
    public async Task MigrateToNonUrl_Is400Problem()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostAsync("api/vms/nope/migrate", new MigrateRequest("somewhere", "some-ticket", null));

        var (_, detail) = await AgentClient.ProblemAsync(response, 400);
        Assert.Contains("destination 'somewhere' is not an agent URL", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/vms", "{\"id\":\"vm-1\",\"cpus\":\"NaN\",\"memoryMiB\":128}", "field 'cpus' must be an integer")]
    [InlineData("api/vms", "{\"id\":\"vm-1\",\"cpus\":NaN,\"memoryMiB\":128}", "malformed JSON")]
    [InlineData("api/vms", "{\"id\":\"vm-1\",\"cpus\":\"1\",\"memoryMiB\":128}", "field 'cpus' must be an integer")]
    [InlineData("api/vms", "{\"id\":\"vm-1\",\"cpus\":1,\"memoryMiB\":1e400}", "field 'memoryMiB' must be an integer")]
    [InlineData("api/vms", "{\"id\":\"vm-1\",\"cpus\":2147483648,\"memoryMiB\":128}", "field 'cpus' must be an integer")]
    [InlineData("api/vms", "{\"id\":7,\"cpus\":1,\"memoryMiB\":128}", "field 'id' must be a string")]
    [InlineData("api/vms", "{}", "id, cpus, memoryMiB are missing")]
    [InlineData("api/vms", "[]", "malformed JSON")]
    [InlineData("api/vms/nope/load", "{\"busyCpus\":\"Infinity\"}", "field 'busyCpus' must be an integer")]
    [InlineData("api/vms/nope/load", "{\"busyCpus\":65}", "busyCpus (0-64)")]
    [InlineData("api/vms/nope/marker", "{\"text\":\"a\\u001b[31m\"}", "text must be 1 to 64 letters")]
    [InlineData("api/vms/nope/migrate", "{\"destination\":\"http://127.0.0.1:9/\"}", "ticket is missing")]
    [InlineData("api/vms/nope/migrate", "{\"ticket\":\"t\"}", "destination is missing")]
    [InlineData("api/vms/nope/migrate", "{\"destination\":\"http://u:p@127.0.0.1:9/\",\"ticket\":\"t\"}", "is not an agent URL")]
    [InlineData("api/vms/nope/migrate", "{\"destination\":\"exec:touch /tmp/x\",\"ticket\":\"t\"}", "is not an agent URL")]
    [InlineData("api/vms/nope/migrate", "{\"destination\":\"http://127.0.0.1:9/\",\"ticket\":\"t\",\"maxBandwidthMiBps\":-1}", "maxBandwidthMiBps -1 is not from 0 to 100000")]
    [InlineData("api/vms/nope/migrate", "{\"destination\":\"http://127.0.0.1:9/\",\"destinationToken\":\"t\"}", "unknown field 'destinationToken'")]
    [InlineData("api/incoming/tickets", "{\"id\":\"vm-1\",\"cpus\":1}", "memoryMiB is missing")]
    public async Task BadBodies_Are400ProblemsNamingTheField(string path, string body, string expected)
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostRawAsync(path, body);

        var (type, detail) = await AgentClient.ProblemAsync(response, 400);
        Assert.Equal("urn:roost:problem:bad-request", type);
        Assert.Contains(expected, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(detail, c => char.IsControl(c));
    }

    [Fact]
    public async Task BodyOver64KiB_Is413Problem()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.PostRawAsync("api/vms", "{\"id\":\"" + new string('a', 70 * 1024) + "\"}");

        var (type, _) = await AgentClient.ProblemAsync(response, 413);
        Assert.Equal("urn:roost:problem:payload-too-large", type);
    }

    [Fact]
    public async Task Tickets_OnlyForTheAgentsOwnToken_AndIncomingEndpointsTakeNoOtherBearer()
    {
        using var owner = new AgentClient(Server.BaseAddress);
        using var stranger = new AgentClient(Server.BaseAddress, "v1.not-a-ticket");

        using var issued = await owner.PostAsync("api/incoming/tickets", new CreateVmRequest("vm-1", 1, 128));
        using var refused = await stranger.PostAsync("api/incoming/tickets", new CreateVmRequest("vm-1", 1, 128));
        using var admission = await stranger.PostAsync("api/incoming", new CreateVmRequest("vm-1", 1, 128));
        using var listing = await stranger.GetAsync("api/vms");

        var ticket = (await AgentClient.ReadAsync<TicketResponse>(issued)).Ticket;
        Assert.Matches("^v3\\.vm-1\\.1\\.128\\.0\\.[0-9a-f]{16}\\.[0-9]+\\.[0-9a-f]{32}\\.[0-9a-f]{64}$", ticket);
        Assert.Contains("the bearer token is wrong", (await AgentClient.ProblemAsync(refused, 401)).Detail, StringComparison.Ordinal);
        Assert.Contains("not a migration ticket", (await AgentClient.ProblemAsync(admission, 401)).Detail, StringComparison.Ordinal);
        await AgentClient.ProblemAsync(listing, 401);
    }

    [Fact]
    public async Task Admission_WithATicketForAnotherVmOrSize_Is401()
    {
        using var owner = new AgentClient(Server.BaseAddress);
        using var issued = await owner.PostAsync("api/incoming/tickets", new CreateVmRequest("vm-1", 1, 128));
        var ticket = (await AgentClient.ReadAsync<TicketResponse>(issued)).Ticket;
        using var holder = new AgentClient(Server.BaseAddress, ticket);

        using var otherVm = await holder.PostAsync("api/incoming", new CreateVmRequest("vm-2", 1, 128));
        using var otherSize = await holder.PostAsync("api/incoming", new CreateVmRequest("vm-1", 2, 128));
        using var tampered = new AgentClient(Server.BaseAddress, ticket.Replace(".128.", ".256.", StringComparison.Ordinal));
        using var bigger = await tampered.PostAsync("api/incoming", new CreateVmRequest("vm-1", 1, 256));
        using var otherNic = await holder.PostAsync("api/incoming", new IncomingRequest("vm-1", 1, 128, null, new NicRequest("tenant-b", "10.9.0.5/24", null)));
        using var withDisk = await holder.PostAsync("api/incoming", new IncomingRequest("vm-1", 1, 128, null, DiskMiB: 64));

        Assert.Contains("admits VM 'vm-1'", (await AgentClient.ProblemAsync(otherVm, 401)).Detail, StringComparison.Ordinal);
        Assert.Contains("not 'vm-1' (cpus=2", (await AgentClient.ProblemAsync(otherSize, 401)).Detail, StringComparison.Ordinal);
        Assert.Contains("signature is wrong", (await AgentClient.ProblemAsync(bigger, 401)).Detail, StringComparison.Ordinal);
        Assert.Contains("another network card", (await AgentClient.ProblemAsync(otherNic, 401)).Detail, StringComparison.Ordinal);
        Assert.Contains("disk=0), not 'vm-1' (cpus=1, memory=128, disk=64)", (await AgentClient.ProblemAsync(withDisk, 401)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Settle_ByTheOwner_WithAWildcardId_Is400_NotAnotherVmsAdoption()
    {
        var ledger = Path.Combine(Server.Agent.Options.EffectiveRunDirectory, "ledger");
        Directory.CreateDirectory(ledger);
        await File.WriteAllTextAsync(Path.Combine(ledger, $"vm-1.{new string('0', 32)}"), "vm-1\n");
        using var owner = new AgentClient(Server.BaseAddress);

        using var wildcard = await owner.PostAsync("api/incoming/vm-*/complete", null);
        using var adopted = await owner.PostAsync("api/incoming/vm-1/complete", null);

        Assert.Contains("not a VM id", (await AgentClient.ProblemAsync(wildcard, 400)).Detail, StringComparison.Ordinal);
        Assert.Equal(IncomingSettlement.Adopted, (await AgentClient.ReadAsync<IncomingSettlement>(adopted)).Outcome);
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
    public async Task Ksm_IsTheMachinesCountersAndSettings_OrAConflictWithoutKsm()
    {
        using var client = new AgentClient(Server.BaseAddress);

        using var response = await client.GetAsync("api/agent/ksm");

        if (!File.Exists("/sys/kernel/mm/ksm/run"))
        {
            var (type, _) = await AgentClient.ProblemAsync(response, 409);
            Assert.Equal("urn:roost:problem:conflict", type);
            return;
        }

        var status = await AgentClient.ReadAsync<Roost.Hypervisor.Ksm.KsmStatus>(response);
        Assert.Equal(Environment.SystemPageSize, status.Counters.PageSizeBytes);
        Assert.InRange(status.Settings.Run, 0, 2);
        Assert.True(status.Settings.PagesToScan > 0, $"pages_to_scan {status.Settings.PagesToScan}");
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
