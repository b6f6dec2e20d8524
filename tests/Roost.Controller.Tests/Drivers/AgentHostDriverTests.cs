using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Roost.Controller.Drivers;
using Roost.Core.Model;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Qemu;

namespace Roost.Controller.Tests.Drivers;

/// <summary>The agent driver against two scripted agents: whose token goes where, the agents' own wire types, and failure reasons.</summary>
public sealed class AgentHostDriverTests
{
    internal static readonly Uri AgentA = new("http://127.0.0.1:7101/");
    internal static readonly Uri AgentB = new("http://127.0.0.1:7102/");

    [Fact]
    public async Task Migration_TicketFromTheDestination_EachTokenOnlyToItsAgent_AndTheAgentsReasonComesBack()
    {
        var agents = new ScriptedAgents();
        var fleet = new AgentFleet([AgentA, AgentB], "") { AgentTokens = new Dictionary<Uri, string> { [AgentA] = "token-a", [AgentB] = "token-b" } };
        using var driver = new AgentHostDriver(fleet, TimeProvider.System, agents);
        await driver.DiscoverAsync(CancellationToken.None);
        await driver.ObserveAsync(CancellationToken.None);

        var started = await driver.StartMigrationAsync(new VmId(1), new HostId(1), new ResourceVector(1, 128, 100), CancellationToken.None);
        var deadline = TimeProvider.System.GetTimestamp();
        VmObservation? seen = null;
        while (seen?.MigrationProblem is null && TimeProvider.System.GetElapsedTime(deadline) < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
            seen = (await driver.ObserveAsync(CancellationToken.None)).Vms.Single(v => v.Vm == new VmId(1));
        }

        Assert.IsType<DriverResult.Accepted>(started);
        Assert.Contains("boom: the VM runs on the source", seen?.MigrationProblem, StringComparison.Ordinal);
        Assert.All(agents.Calls, c => Assert.Equal(c.Agent == AgentA ? "Bearer token-a" : "Bearer token-b", c.Authorization));
        var ticketCall = Assert.Single(agents.Calls, c => c.Path == "/api/incoming/tickets");
        Assert.Equal(AgentB, ticketCall.Agent);
        var migrate = Assert.Single(agents.Calls, c => c.Path == "/api/vms/vm-1/migrate");
        Assert.Equal(AgentA, migrate.Agent);
        using var body = JsonDocument.Parse(migrate.Body);
        Assert.Equal("v1.ticket-from-b", body.RootElement.GetProperty("ticket").GetString());
        Assert.Equal(AgentB.ToString(), body.RootElement.GetProperty("destination").GetString());
        Assert.DoesNotContain("token-b", migrate.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Observe_AnswerOfTheWrongShape_IsAnAgentProblem_NotAnException()
    {
        var agents = new ScriptedAgents { VmsBody = """[{"id":"vm-1","cpus":"NaN","memoryMiB":128,"state":"Running","pid":1,"memoryPath":""}]""" };
        using var driver = new AgentHostDriver(new AgentFleet([AgentA, AgentB], "t"), TimeProvider.System, agents);

        var e = await Assert.ThrowsAsync<IOException>(() => driver.DiscoverAsync(CancellationToken.None));

        Assert.Contains("cannot list its VMs", e.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Two agents in one handler: A runs vm-1, B is empty; B issues tickets; A's migrate fails with a reason (or, with a
    /// <see cref="Report"/>, succeeds). Every call is recorded. Also served over HTTP by <see cref="MigrationOutcomeTests"/>.
    /// </summary>
    internal sealed class ScriptedAgents : HttpMessageHandler
    {
        public ConcurrentQueue<(Uri Agent, string Method, string Path, string Authorization, string Body)> Calls { get; } = new();

        public string? VmsBody { get; init; }

        /// <summary>When set, A's migrate succeeds with this report, and from then on B runs vm-1 and A nothing.</summary>
        public MigrationReport? Report { get; init; }

        private bool Migrated => Report is not null && Calls.Any(c => c.Path == "/api/vms/vm-1/migrate");

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri ?? throw new InvalidOperationException("no URI");
            var agent = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            Calls.Enqueue((agent, request.Method.Method, uri.AbsolutePath, request.Headers.Authorization?.ToString() ?? "", body));
            var isA = agent == AgentA;
            return (request.Method.Method, uri.AbsolutePath) switch
            {
                ("GET", "/api/agent") => Ok(new AgentInfo(isA ? "a" : "b", new AgentCapacity(4, 1024), new AgentCapacity(0, 0), "TCG", "6.1", isA ? 1 : 0)),
                ("GET", "/api/vms") when VmsBody is { } raw && isA => Raw(HttpStatusCode.OK, raw),
                ("GET", "/api/vms") => Ok(isA != Migrated ? new[] { new VmInfo("vm-1", 1, 128, Hypervisor.Agent.VmState.Running, 42, "/dev/shm/x") } : []),
                ("GET", "/api/vms/vm-1/stats") => Ok(new VmStats("vm-1", 1.5, 1 << 20, (GuestReport?)null)),
                ("POST", "/api/incoming/tickets") when !isA => Ok(new TicketResponse("v1.ticket-from-b", 120)),
                ("POST", "/api/vms/vm-1/migrate") when isA && Report is { } report => Ok(report),
                ("POST", "/api/vms/vm-1/migrate") when isA => Raw(HttpStatusCode.BadGateway,
                    """{"type":"urn:roost:problem:migration-failed","status":502,"detail":"migration of VM 'vm-1' failed: boom: the VM runs on the source"}"""),
                _ => Raw(HttpStatusCode.NotFound, """{"detail":"no such call"}"""),
            };
        }

        private static HttpResponseMessage Ok<T>(T value) => Raw(HttpStatusCode.OK, JsonSerializer.Serialize(value, AgentJson.Options));

        private static HttpResponseMessage Raw(HttpStatusCode status, string json) =>
            new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}
