using System.Net;
using System.Net.Sockets;
using System.Text;
using Roost.Hypervisor.Agent;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>
/// A source agent with a real guest migrating to a hostile or broken destination (<see cref="HostileAgentStub"/>,
/// alone or in front of a real agent): whatever the peer answers, nothing from it reaches QEMU or a shell, the source's
/// token never leaves it, the VM keeps running exactly once, reservations are released, and cancel works in every phase.
/// The guest runs the memory verifier throughout; every check of where the VM runs also checks that no page lost a write.
/// The tests that end with the VM running at the source share one source guest (<see cref="SharedSourceAsync"/>).
/// </summary>
[Collection(QemuTests.Name)]
public sealed class HostileDestinationTests(QemuFixture fixture, ITestOutputHelper output)
{
    private const string SourceToken = "source-own-token-never-sent-anywhere";
    private const string DestinationToken = "destination-own-token-0123456789";
    private const string Vm = "vm-h";

    private static readonly Func<AgentOptions, AgentOptions> _quickSource = o => o with
    {
        Migration = o.Migration with
        {
            AdmitTimeout = TimeSpan.FromSeconds(3),
            ConfirmTimeout = TimeSpan.FromSeconds(4),
            ResolveTimeout = TimeSpan.FromSeconds(8),
            ResolveRetryInterval = TimeSpan.FromMilliseconds(500),
        },

        // A stub that takes the relay's connection but never answers its handshake fails the stream after this.
        RelayTimeouts = o.RelayTimeouts with { Handshake = TimeSpan.FromSeconds(5) },
    };

    [QemuFact]
    public async Task HostileAdmissionAnswers_NeverReachQemu_VmKeepsRunning_TokenStaysHome()
    {
        var marker = Path.Combine(Path.GetTempPath(), $"roost-exec-marker-{Environment.ProcessId}");
        File.Delete(marker);
        using var src = await SharedSourceAsync();
        using var dropper = new TcpListener(IPAddress.Loopback, 0);
        dropper.Start();
        var dropping = DropAfterAsync(dropper, 256 * 1024);
        var closedPort = ClosedPort();
        var exec = $"exec:touch {marker}";
        var cases = new (string Name, StubAnswer Answer, string Expected)[]
        {
            ("exec: URI (the old reply)", Json($$"""{"id":"{{Vm}}","migrationUri":"{{exec}}"}"""), "unexpected field 'migrationUri'"),
            ("exec: as the port", Json($$"""{"id":"{{Vm}}","port":"{{exec}}"}"""), "'port' is missing or not an integer"),
            ("unix: URI beside a port", Json($$"""{"id":"{{Vm}}","port":4444,"migrationUri":"unix:/tmp/roost-evil.sock"}"""), "unexpected field 'migrationUri'"),
            ("fd: URI beside a port", Json($$"""{"id":"{{Vm}}","port":4444,"migrationUri":"fd:3"}"""), "unexpected field 'migrationUri'"),
            ("fd: as the port", Json($$"""{"id":"{{Vm}}","port":"fd:3"}"""), "'port' is missing or not an integer"),
            ("file: URI beside a port", Json($$"""{"id":"{{Vm}}","port":4444,"uri":"file:/tmp/roost-guest-ram"}"""), "unexpected field 'uri'"),
            ("a third host", Json($$"""{"id":"{{Vm}}","port":4444,"host":"10.9.9.9"}"""), "unexpected field 'host'"),
            ("port 0", Json($$"""{"id":"{{Vm}}","port":0}"""), "'port' 0 is not from 1 to 65535"),
            ("port 70000", Json($$"""{"id":"{{Vm}}","port":70000}"""), "'port' 70000 is not from 1 to 65535"),
            ("port -1", Json($$"""{"id":"{{Vm}}","port":-1}"""), "'port' -1 is not from 1 to 65535"),
            ("port 1.5", Json($$"""{"id":"{{Vm}}","port":1.5}"""), "'port' is missing or not an integer"),
            ("another VM", Json("""{"id":"vm-other","port":4444}"""), "admitted VM 'vm-other'"),
            ("a string, not an object", Json("\"tcp:10.9.9.9:1\""), "not a JSON object"),
            ("truncated JSON", Json("{\"id\":"), "malformed JSON"),
            ("an empty body", Json(""), "not a JSON object"),
            ("deep nesting", Json(new string('[', 100) + new string(']', 100)), "malformed JSON"),
            ("an endless body", new StubAnswer.Endless(200), "over 4096 bytes"),
            ("an endless problem", new StubAnswer.Endless(409), "over 4096 bytes"),
            ("a server error", Json("""{"detail":"boom"}""", 500), "answered 500 boom"),
            ("a dropped connection", new StubAnswer.Drop(), "unreachable|connection broke"),
            ("a hang", new StubAnswer.Hang(), "(did not admit the VM|no whole answer) within 3 s"),
            ("a port nothing listens on", Json($$"""{"id":"{{Vm}}","port":{{closedPort}}}"""), "failed: .*(refused|Connection)"),
            ("a stream dropped midway", Json($$"""{"id":"{{Vm}}","port":{{((IPEndPoint)dropper.LocalEndpoint).Port}}}"""), "failed: "),
        };
        StubAnswer current = new StubAnswer.Hang();
        await using var stub = new HostileAgentStub(request => Task.FromResult(request.Path == "/api/incoming" ? current : Json("""{"id":"vm-h","outcome":"dropped"}""")));

        foreach (var (name, answer, expected) in cases)
        {
            current = answer;
            using var response = await src.PostAsync($"api/vms/{Vm}/migrate", new MigrateRequest(stub.BaseAddress.ToString(), "v1.hostile-test-ticket", null));

            var (type, detail) = await AgentClient.ProblemAsync(response, 502);
            output.WriteLine($"{name}: {detail}");
            Assert.Equal("urn:roost:problem:migration-failed", type);
            Assert.Matches(expected, detail);
            Assert.Contains("the VM runs on the source", detail, StringComparison.Ordinal);
            await AssertRunsAtSourceAsync(src);
        }

        output.WriteLine($"endless bodies: the stub wrote {stub.EndlessBytesWritten / 1024} KiB before the agent hung up");
        Assert.False(File.Exists(marker), $"{marker} exists: a peer's string reached a shell");
        Assert.All(stub.Authorizations, a => Assert.Equal("Bearer v1.hostile-test-ticket", a));
        Assert.Equal(new AgentCapacity(1, 128), (await src.GetJsonAsync<AgentInfo>("api/agent")).Reserved);
        dropper.Stop();
        await dropping;
    }

    [QemuFact]
    public async Task CancelInEveryPhase_VmKeepsRunningAtSource_DestinationReleasesItsHalf()
    {
        // The expiry of an unclaimed half is what the in-doubt case waits for; 15 s still leaves a whole stream of this
        // guest (a few seconds under load) several times over.
        await using var destination = await fixture.StartAgentAsync("cdst", token: DestinationToken, configure: o => o with
        {
            Incoming = o.Incoming with { StreamTimeout = TimeSpan.FromSeconds(15) },
        });
        using var src = await SharedSourceAsync();
        using var dst = new AgentClient(destination.BaseAddress, DestinationToken);
        using var forward = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };
        var hang = new HashSet<string>(StringComparer.Ordinal);
        await using var stub = new HostileAgentStub(async request =>
        {
            lock (hang)
            {
                if (hang.Any(p => request.Path.EndsWith(p, StringComparison.Ordinal) || request.Method + " " + request.Path == p))
                {
                    return new StubAnswer.Hang();
                }
            }

            return await ForwardAsync(forward, destination.BaseAddress, request);
        });

        async Task<(string Type, string Detail)> CancelWhenAsync(string[] hanging, Func<Task> when, int? bandwidth = null, int status = 409)
        {
            lock (hang)
            {
                hang.Clear();
                hang.UnionWith(hanging);
            }

            stub.Requests.Clear();

            var ticket = await AgentTestSteps.TicketAsync(dst, Vm);
            var migration = src.PostAsync($"api/vms/{Vm}/migrate", new MigrateRequest(stub.BaseAddress.ToString(), ticket, bandwidth));
            await when();
            using (var cancel = await src.DeleteAsync($"api/vms/{Vm}/migration"))
            {
                var text = await cancel.Content.ReadAsStringAsync();
                output.WriteLine($"cancel: {(int)cancel.StatusCode} {text}");
                Assert.True(cancel.IsSuccessStatusCode, text);
            }

            using var response = await migration;
            var problem = await AgentClient.ProblemAsync(response, status);
            output.WriteLine(problem.Detail);
            return problem;
        }

        // Admitting: the admission hangs.
        var (type, _) = await CancelWhenAsync(["/api/incoming"], () => SeenAsync(stub, "POST /api/incoming"));
        Assert.Equal("urn:roost:problem:migration-cancelled", type);
        await AssertRunsAtSourceAsync(src);

        // Streaming: a capped stream of a loaded guest.
        using (var load = await src.PostAsync($"api/vms/{Vm}/load", new LoadRequest(null, 8)))
        {
            Assert.True(load.IsSuccessStatusCode, await load.Content.ReadAsStringAsync());
        }

        (type, _) = await CancelWhenAsync([], () => StreamingAsync(src), bandwidth: 1);
        Assert.Equal("urn:roost:problem:migration-cancelled", type);
        await AssertRunsAtSourceAsync(src);
        await AssertDestinationEmptyAsync(dst);

        // Confirming: the stream completed, the destination's confirmation hangs; the fenced abort gets through.
        using (var unload = await src.PostAsync($"api/vms/{Vm}/load", new LoadRequest(null, 0)))
        {
            Assert.True(unload.IsSuccessStatusCode, await unload.Content.ReadAsStringAsync());
        }

        (type, _) = await CancelWhenAsync(["/complete"], () => SeenAsync(stub, $"POST /api/incoming/{Vm}/complete"));
        Assert.Equal("urn:roost:problem:migration-cancelled", type);
        await AssertRunsAtSourceAsync(src);
        await AssertDestinationEmptyAsync(dst);

        // Resolving with the destination silent: the source never resumes blindly; it stays paused and whole, in doubt.
        var (inDoubtType, detail) = await CancelWhenAsync(["/complete", $"DELETE /api/incoming/{Vm}"], () => SeenAsync(stub, $"POST /api/incoming/{Vm}/complete"), status: 502);
        Assert.Equal("urn:roost:problem:migration-failed", inDoubtType);
        Assert.Contains("paused and whole", detail, StringComparison.Ordinal);
        Assert.Equal(VmState.Paused, (await src.GetJsonAsync<VmInfo>($"api/vms/{Vm}")).State);
        await AgentTestSteps.EventuallyAsync(async () => (await dst.GetJsonAsync<List<VmInfo>>("api/vms")).Count == 0, "the destination's unclaimed half expires");
        using (var resume = await src.PostAsync($"api/vms/{Vm}/resume", null))
        {
            Assert.True(resume.IsSuccessStatusCode, await resume.Content.ReadAsStringAsync());
        }

        await AssertRunsAtSourceAsync(src);
        await AssertDestinationEmptyAsync(dst);
        Assert.DoesNotContain(stub.Authorizations, a => a.Contains(SourceToken, StringComparison.Ordinal) || a.Contains(DestinationToken, StringComparison.Ordinal));
    }

    [QemuFact]
    public async Task ConfirmationAnsweredWithAnEndlessBody_FencedAbortSettlesIt_VmRunsAtDestinationOnly()
    {
        await using var source = await fixture.StartAgentAsync("esrc", token: SourceToken, configure: _quickSource);
        await using var destination = await fixture.StartAgentAsync("edst", token: DestinationToken);
        using var src = new AgentClient(source.BaseAddress, SourceToken);
        using var dst = new AgentClient(destination.BaseAddress, DestinationToken);
        using var forward = new HttpClient { Timeout = TimeSpan.FromMinutes(1) };
        var vm = await AgentTestSteps.BootAsync(src, Vm);
        await AgentTestSteps.StartMemtestAsync(src, Vm, mib: 8);
        var before = await AgentTestSteps.WaitForSeqAsync(src, Vm, 2);
        await using var stub = new HostileAgentStub(async request =>
        {
            var answer = await ForwardAsync(forward, destination.BaseAddress, request);
            return request.Path.EndsWith("/complete", StringComparison.Ordinal) ? new StubAnswer.Endless(200) : answer;
        });

        var ticket = await AgentTestSteps.TicketAsync(dst, Vm);
        using var response = await src.PostAsync($"api/vms/{Vm}/migrate", new MigrateRequest(stub.BaseAddress.ToString(), ticket, null));

        var report = await AgentClient.ReadAsync<MigrationReport>(response);
        output.WriteLine($"{report}; the stub wrote {stub.EndlessBytesWritten / 1024} KiB of endless body; requests: {string.Join(", ", stub.Requests)}");
        Assert.Contains($"DELETE /api/incoming/{Vm}", stub.Requests);
        var after = await AgentTestSteps.WaitForSeqAsync(dst, Vm, before.Seq + 1);
        Assert.True(after.Seq > before.Seq, "the guest rebooted");
        output.WriteLine($"memtest at the destination: {await AgentTestSteps.AssertMemoryIntactAsync(dst, Vm)}");
        Assert.True(await AgentTestSteps.ListsOnlyAsync(src), "the source still lists the VM");
        Assert.False(Directory.Exists($"/proc/{vm.Pid}"), "the source's QEMU still runs");
        Assert.DoesNotContain(stub.Authorizations, a => a.Contains(SourceToken, StringComparison.Ordinal) || a.Contains(DestinationToken, StringComparison.Ordinal));
    }

    /// <summary>
    /// A client of the source agent whose guest (memory verifier running) the tests that end with the VM running at the
    /// source hand on to each other: booted by the first, and checked running there with no page wrong before each uses it.
    /// </summary>
    private async Task<AgentClient> SharedSourceAsync()
    {
        var source = await fixture.OnceAsync("hostile-source", async () =>
        {
            var agent = await fixture.StartAgentAsync("hsrc", token: SourceToken, configure: _quickSource);
            using var client = new AgentClient(agent.BaseAddress, SourceToken);
            await AgentTestSteps.BootAsync(client, Vm);
            await AgentTestSteps.StartMemtestAsync(client, Vm, mib: 8);
            return agent;
        });
        var src = new AgentClient(source.BaseAddress, SourceToken);
        await AssertRunsAtSourceAsync(src);
        return src;
    }

    private static StubAnswer.Json Json(string body, int status = 200) => new(status, body);

    private static async Task<StubAnswer> ForwardAsync(HttpClient http, Uri target, StubRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(target, request.Path.TrimStart('/')));
        if (request.Authorization is { } authorization)
        {
            message.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (request.Body.Length > 0)
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(message);
        return new StubAnswer.Json((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType ?? "application/json");
    }

    private static Task SeenAsync(HostileAgentStub stub, string request) =>
        AgentTestSteps.EventuallyAsync(() => Task.FromResult(stub.Requests.Contains(request)), $"the stub receives {request}");

    private static Task StreamingAsync(AgentClient src) => AgentTestSteps.EventuallyAsync(
        async () =>
        {
            using var progress = await src.GetAsync($"api/vms/{Vm}/migration");
            return progress.IsSuccessStatusCode && (await AgentClient.ReadAsync<MigrationProgress>(progress)).TransferredBytes > 0;
        },
        "the stream starts");

    private static async Task AssertRunsAtSourceAsync(AgentClient src)
    {
        Assert.Equal(VmState.Running, (await src.GetJsonAsync<VmInfo>($"api/vms/{Vm}")).State);
        var now = await AgentTestSteps.WaitForSeqAsync(src, Vm, 1);
        await AgentTestSteps.WaitForSeqAsync(src, Vm, now.Seq + 1);
        await AgentTestSteps.AssertMemoryIntactAsync(src, Vm);
    }

    private static async Task AssertDestinationEmptyAsync(AgentClient dst)
    {
        await AgentTestSteps.EventuallyAsync(async () => (await dst.GetJsonAsync<List<VmInfo>>("api/vms")).Count == 0, "the destination drops its half");
        Assert.Equal(new AgentCapacity(0, 0), (await dst.GetJsonAsync<AgentInfo>("api/agent")).Reserved);
    }

    /// <summary>Accepts migration streams, reads <paramref name="bytes"/> of each, then hangs up: a destination dying mid-stream.</summary>
    private static async Task DropAfterAsync(TcpListener listener, int bytes)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                var buffer = new byte[64 * 1024];
                var stream = client.GetStream();
                for (var read = 0; read < bytes && await stream.ReadAsync(buffer) is var n and > 0; read += n)
                {
                }

                client.Client.Close();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            // Stopped.
        }
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
