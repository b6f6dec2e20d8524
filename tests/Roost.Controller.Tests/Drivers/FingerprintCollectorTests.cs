using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Roost.Controller.Drivers;
using Roost.Controller.Drivers.Agents;
using Roost.Core.Model;
using Roost.Hypervisor.Agent;

namespace Roost.Controller.Tests.Drivers;

/// <summary>
/// Which guest the collector reads when, against a scripted agent and a manual clock: a failed read waits for the refresh
/// interval, an evicted print is not read again at once, and nothing is read unless asked to collect.
/// </summary>
public sealed class FingerprintCollectorTests
{
    private static readonly Uri _agent = new("http://127.0.0.1:7104/");

    [Fact]
    public async Task FailingRead_IsNotRetried_BeforeTheRefreshInterval_AndDoesNotStarveOthers()
    {
        using var agent = new GuestAgent { Failing = { "vm-1" } };
        using var http = new HttpClient(agent);
        var time = new ManualTimeProvider();
        var collector = new FingerprintCollector(http, time);
        IReadOnlyList<FingerprintCollector.RunningGuest> running = [Guest(1), Guest(2)];
        var problems = new List<string?>();

        for (var step = 0; step < 5; step++)
        {
            collector.Observe(running, collect: true, CancellationToken.None);
            problems.Add(collector.LastProblem);
            await collector.Pending;
            time.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.Equal(1, agent.Reads("vm-1"));
        Assert.Equal(1, agent.Reads("vm-2"));
        Assert.Contains(new VmId(2), collector.Current.Vms.Keys);
        // The failure is reported when it is taken in (the next observation), and cleared by vm-2's successful read after it.
        Assert.Contains("vm-1", problems[1], StringComparison.Ordinal);
        Assert.Null(collector.LastProblem);

        time.Advance(collector.Refresh);
        collector.Observe(running, collect: true, CancellationToken.None);
        await collector.Pending;

        Assert.Equal(2, agent.Reads("vm-1"));
    }

    [Fact]
    public async Task EvictedPrint_IsNotReadAgain_UntilTheRefreshInterval()
    {
        using var agent = new GuestAgent();
        using var http = new HttpClient(agent);
        var time = new ManualTimeProvider();
        var collector = new FingerprintCollector(http, time);
        IReadOnlyList<FingerprintCollector.RunningGuest> running = [.. Enumerable.Range(1, FingerprintCollector.MaxVms + 1).Select(Guest)];

        for (var step = 0; step <= FingerprintCollector.MaxVms + 3; step++)
        {
            collector.Observe(running, collect: true, CancellationToken.None);
            await collector.Pending;
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(FingerprintCollector.MaxVms, collector.Current.Vms.Count);
        Assert.DoesNotContain(new VmId(1), collector.Current.Vms.Keys);
        Assert.Equal(1, agent.Reads("vm-1"));
        Assert.All(running, g => Assert.Equal(1, agent.Reads(AgentHostDriver.AgentVmId(g.Vm))));
    }

    [Fact]
    public async Task NotCollecting_ReadsNothing_AndDropsWhatIsHeld()
    {
        using var agent = new GuestAgent();
        using var http = new HttpClient(agent);
        var collector = new FingerprintCollector(http, new ManualTimeProvider());
        IReadOnlyList<FingerprintCollector.RunningGuest> running = [Guest(1)];

        collector.Observe(running, collect: false, CancellationToken.None);
        await collector.Pending;
        Assert.Equal(0, agent.Reads("vm-1"));

        collector.Observe(running, collect: true, CancellationToken.None);
        await collector.Pending;
        collector.Observe(running, collect: true, CancellationToken.None);
        Assert.Single(collector.Current.Vms);

        collector.Observe(running, collect: false, CancellationToken.None);
        Assert.Empty(collector.Current.Vms);
        Assert.Empty(collector.Current.Images);
        Assert.Equal(1, agent.Reads("vm-1"));
    }

    [Fact]
    public async Task AgentDriver_ReadsGuestRam_OnlyWhileAskedToCollect()
    {
        var agents = new AgentHostDriverTests.ScriptedAgents();
        using var driver = new AgentHostDriver(new AgentFleet([AgentHostDriverTests.AgentA, AgentHostDriverTests.AgentB], "t"), TimeProvider.System, agents);
        await driver.DiscoverAsync(CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await driver.ObserveAsync(CancellationToken.None);
        }

        Assert.DoesNotContain(agents.Calls, c => c.Path == "/api/vms/vm-1");

        driver.CollectFingerprints = true;
        var started = TimeProvider.System.GetTimestamp();
        while (!agents.Calls.Any(c => c.Path == "/api/vms/vm-1") && TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(20))
        {
            await driver.ObserveAsync(CancellationToken.None);
            await Task.Delay(20);
        }

        Assert.Contains(agents.Calls, c => c.Path == "/api/vms/vm-1" && c.Method == "GET");
    }

    private static FingerprintCollector.RunningGuest Guest(int id) => new(new VmId(id), _agent, "t", "", 1);

    /// <summary>An agent whose VMs have 1 MiB of zeroed RAM; reading a VM in <see cref="Failing"/> is refused.</summary>
    private sealed class GuestAgent : HttpMessageHandler
    {
        private readonly ConcurrentDictionary<string, int> _reads = new(StringComparer.Ordinal);

        public HashSet<string> Failing { get; } = new(StringComparer.Ordinal);

        public int Reads(string vm) => _reads.GetValueOrDefault(vm);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var segments = (request.RequestUri ?? throw new InvalidOperationException("no URI")).AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var vm = segments[2];
            if (segments.Length == 3)
            {
                _reads.AddOrUpdate(vm, 1, (_, n) => n + 1);
                if (Failing.Contains(vm))
                {
                    return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("""{"detail":"no such VM"}""", Encoding.UTF8, "application/json") });
                }

                var json = JsonSerializer.Serialize(new VmInfo(vm, 1, 1, Hypervisor.Agent.VmState.Running, 42, "/dev/shm/x"), AgentJson.Options);
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
            }

            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(new byte[1024 * 1024]) });
        }
    }
}
