using System.Diagnostics;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Relay;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>
/// Live migrations between two real agents on 127.0.0.1 that fail midway (the destination's relay, QEMU or agent
/// killed, a cancel) or are refused by the peer: the VM keeps running at the source with every page right, and the
/// destination keeps nothing. Apart from <see cref="LiveMigrationTests"/> so the two run side by side. They share one
/// source guest (<see cref="LoadedSourceAsync"/>), since each leaves it running at the source, whole; it is stopped
/// once they are done (<see cref="SourceAgent"/>).
/// </summary>
[Collection(QemuMigrationFaultTests.Name)]
public sealed class MigrationFailureTests(QemuFixture fixture, MigrationFailureTests.SourceAgent source, ITestOutputHelper output)
    : IClassFixture<MigrationFailureTests.SourceAgent>
{
    /// <summary>
    /// The destination's relay dies mid-stream (its sockets reset, as when its process is killed): the source's relay
    /// and QEMU see the stream break, the VM runs on at the source with every page right, and the destination drops
    /// its half.
    /// </summary>
    [QemuFact]
    public async Task DestinationRelayKilledMidway_VmKeepsRunningAtSource_NothingLeaks()
    {
        DestinationRelay? killed = null;

        await KilledAtDestinationMidway_VmKeepsRunningAtSourceAsync(async (destination, _) =>
        {
            killed = destination.Agent.IncomingRelay("vm-1");
            Assert.NotNull(killed);
            await killed.DisposeAsync();
        });

        Assert.False((await (killed ?? throw new InvalidOperationException("not killed")).Completion).Completed);
    }

    [QemuFact]
    public Task DestinationQemuKilledMidway_VmKeepsRunningAtSource_NothingLeaks() =>
        KilledAtDestinationMidway_VmKeepsRunningAtSourceAsync((_, incoming) =>
        {
            using var qemu = Process.GetProcessById(incoming.Pid);
            qemu.Kill();
            return Task.CompletedTask;
        });

    /// <summary>Starts a migration, runs <paramref name="kill"/> once the stream flows, and checks the VM stays whole at the source and the destination keeps nothing.</summary>
    private async Task KilledAtDestinationMidway_VmKeepsRunningAtSourceAsync(Func<AgentServer, VmInfo, Task> kill)
    {
        await using var midway = await MigrationMidwayAsync();

        await kill(midway.Destination, midway.Incoming);

        using var response = await midway.Migration;
        var (type, detail) = await AgentClient.ProblemAsync(response, 502);
        output.WriteLine(detail);
        Assert.Equal("urn:roost:problem:migration-failed", type);
        Assert.Contains("the VM runs on the source", detail, StringComparison.Ordinal);
        await AssertStillRunsAtSourceAsync(midway.Src);
        await AgentTestSteps.EventuallyAsync(() => AgentTestSteps.ListsOnlyAsync(midway.Dst), "the destination forgets the VM");
        await AgentTestSteps.AssertNothingLeftAsync(midway.Destination);
    }

    [QemuFact]
    public async Task DestinationAgentStoppedMidway_VmKeepsRunningAtSource_NothingLeaks()
    {
        await using var midway = await MigrationMidwayAsync();

        await midway.Destination.DisposeAsync();

        using var response = await midway.Migration;
        var (type, detail) = await AgentClient.ProblemAsync(response, 502);
        output.WriteLine(detail);
        Assert.StartsWith("urn:roost:problem:", type, StringComparison.Ordinal);
        await AssertStillRunsAtSourceAsync(midway.Src);
        await AgentTestSteps.AssertNothingLeftAsync(midway.Destination);
    }

    [QemuFact]
    public async Task Cancel_StopsTheMigration_VmKeepsRunningAtSource()
    {
        await using var midway = await MigrationMidwayAsync();

        using (var cancel = await midway.Src.DeleteAsync("api/vms/vm-1/migration"))
        {
            Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        }

        using var response = await midway.Migration;
        var (type, _) = await AgentClient.ProblemAsync(response, 409);
        Assert.Equal("urn:roost:problem:migration-cancelled", type);
        await AssertStillRunsAtSourceAsync(midway.Src);
        await AgentTestSteps.EventuallyAsync(() => AgentTestSteps.ListsOnlyAsync(midway.Dst), "the destination forgets the VM");
        await AgentTestSteps.AssertNothingLeftAsync(midway.Destination);
    }

    [QemuFact]
    public async Task PeerFailures_AreOneLineProblems_VmKeepsRunningAtSource()
    {
        using var src = await LoadedSourceAsync();
        await using var small = await fixture.StartAgentAsync("small", new AgentCapacity(1, 64));
        using var smallClient = new AgentClient(small.BaseAddress);
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var silentPort = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var hangUp = HangUpOnEveryoneAsync(silent);
        var closedPort = ClosedPort();
        const string Forged = "v3.vm-1.1.128.0.0123456789abcdef.99999999999.0123456789abcdef0123456789abcdef.00";

        using (var refused = await smallClient.PostAsync("api/incoming/tickets", new CreateVmRequest("vm-1", 1, 128)))
        {
            var (type, detail) = await AgentClient.ProblemAsync(refused, 409);
            Assert.Equal("urn:roost:problem:capacity-exceeded", type);
            Assert.Contains("cannot admit VM 'vm-1'", detail, StringComparison.Ordinal);
        }

        var cases = new (string Destination, string Expected)[]
        {
            ($"http://127.0.0.1:{closedPort}/", "unreachable"),
            ($"http://127.0.0.1:{silentPort}/", "unreachable|connection broke"),
            (small.BaseAddress.ToString(), "refused: 401 .*signature is wrong"),
        };
        foreach (var (destination, expected) in cases)
        {
            using var response = await src.PostAsync("api/vms/vm-1/migrate", new MigrateRequest(destination, Forged, null));
            var (type, detail) = await AgentClient.ProblemAsync(response, 502);
            output.WriteLine(detail);
            Assert.Equal("urn:roost:problem:migration-failed", type);
            Assert.Matches(expected, detail);
            Assert.Contains("the VM runs on the source", detail, StringComparison.Ordinal);
            await AssertStillRunsAtSourceAsync(src);
        }

        silent.Stop();
        await hangUp;
        await AgentTestSteps.AssertNothingLeftAsync(small);
    }

    /// <summary>
    /// A client of the source every test here migrates from: one agent with <c>vm-1</c>, its verifier rewriting 8 MiB,
    /// and 24 MiB of random bytes in the guest so a 2 MiB/s migration lasts long enough to interfere with; booted and
    /// loaded by the first test that asks. Every test ends with the VM running at the source with every page right, and
    /// each checks that again here before it relies on it, so a test that left it otherwise makes the next fail here,
    /// saying what it found and that it found it before that test began. (One boot and one load instead of five: the
    /// dearest steps of these tests.)
    /// </summary>
    private async Task<AgentClient> LoadedSourceAsync()
    {
        var agent = await source.ReadyAsync(fixture, async server =>
        {
            using var client = new AgentClient(server.BaseAddress);
            await AgentTestSteps.BootAsync(client, "vm-1");
            await AgentTestSteps.StartMemtestAsync(client, "vm-1", mib: 8);
            using var load = await client.PostAsync("api/vms/vm-1/load", new LoadRequest(null, 24));
            Assert.True(load.IsSuccessStatusCode, await load.Content.ReadAsStringAsync());
        });
        var src = new AgentClient(agent.BaseAddress);
        try
        {
            await AssertStillRunsAtSourceAsync(src);
            Assert.True(await AgentTestSteps.ListsOnlyAsync(src, "vm-1"), "the source lists more than vm-1");
        }
        catch (Exception e)
        {
            src.Dispose();
            throw new InvalidOperationException(
                $"the shared source guest was not whole before this test touched it (an earlier test of this class left it so; see its failure): {e.Message}", e);
        }

        return src;
    }

    /// <summary>
    /// Starts migrating the shared source's <c>vm-1</c> at 2 MiB/s to a fresh destination agent and returns once the
    /// stream flows (the destination's QEMU is up and the source has sent bytes).
    /// </summary>
    private async Task<Midway> MigrationMidwayAsync()
    {
        var src = await LoadedSourceAsync();
        var destination = await fixture.StartAgentAsync("dst");
        var dst = new AgentClient(destination.BaseAddress);
        var migration = AgentTestSteps.MigrateAsync(src, dst, destination.BaseAddress, "vm-1", 2);
        try
        {
            return new Midway(src, destination, dst, migration, await WaitForIncomingAsync(src, dst));
        }
        catch
        {
            dst.Dispose();
            await destination.DisposeAsync();
            src.Dispose();
            throw;
        }
    }

    private static async Task<VmInfo> WaitForIncomingAsync(AgentClient src, AgentClient dst)
    {
        VmInfo? incoming = null;
        await AgentTestSteps.EventuallyAsync(
            async () =>
            {
                incoming = (await dst.GetJsonAsync<List<VmInfo>>("api/vms")).SingleOrDefault(v => v.State == VmState.Incoming && v.Pid > 0);
                using var progress = await src.GetAsync("api/vms/vm-1/migration");
                return incoming is not null && progress.IsSuccessStatusCode
                    && (await AgentClient.ReadAsync<MigrationProgress>(progress)).TransferredBytes > 0;
            },
            "the migration stream starts");
        return incoming ?? throw new InvalidOperationException("unreachable");
    }

    private static async Task AssertStillRunsAtSourceAsync(AgentClient src)
    {
        var vm = await src.GetJsonAsync<VmInfo>("api/vms/vm-1");
        Assert.Equal(VmState.Running, vm.State);
        var now = await AgentTestSteps.WaitForSeqAsync(src, "vm-1", 1);
        await AgentTestSteps.WaitForSeqAsync(src, "vm-1", now.Seq + 1);
        await AgentTestSteps.AssertMemoryIntactAsync(src, "vm-1");
    }

    private static async Task HangUpOnEveryoneAsync(System.Net.Sockets.TcpListener listener)
    {
        try
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                client.Client.Close();
            }
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Stopped.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A migration from the shared source to <paramref name="Destination"/> whose stream flows; <paramref name="Incoming"/> is the destination's VM receiving it.</summary>
    private sealed record Midway(AgentClient Src, AgentServer Destination, AgentClient Dst, Task<HttpResponseMessage> Migration, VmInfo Incoming) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Dst.Dispose();
            await Destination.DisposeAsync();
            Src.Dispose();
        }
    }

    /// <summary>
    /// The source agent of this class's tests: started and prepared by the first test that asks (a failure then is every
    /// test's), and stopped when the class's tests are done, so its guest, busy rewriting memory, does not load the
    /// machine while the rest of the collection runs.
    /// </summary>
    public sealed class SourceAgent : IAsyncLifetime
    {
        private readonly Lock _gate = new();
        private AgentServer? _agent;
        private Task<AgentServer>? _ready;

        public Task<AgentServer> ReadyAsync(QemuFixture fixture, Func<AgentServer, Task> prepare)
        {
            lock (_gate)
            {
                return _ready ??= StartAsync(fixture, prepare);
            }
        }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (_agent is { } agent)
            {
                await agent.DisposeAsync();
            }
        }

        private async Task<AgentServer> StartAsync(QemuFixture fixture, Func<AgentServer, Task> prepare)
        {
            _agent = await fixture.StartAgentAsync("src");
            await prepare(_agent);
            return _agent;
        }
    }
}
