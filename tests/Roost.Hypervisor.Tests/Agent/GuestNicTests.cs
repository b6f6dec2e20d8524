using System.Globalization;
using System.Net.NetworkInformation;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>
/// A guest's virtio NIC on a real Linux bridge: the guest answers at its address from its first report on, an agent
/// refuses a network it does not offer, and a live migration to another agent on the same bridge keeps the address
/// reachable (the destination's tap joins the bridge before the guest runs there) and every guest write.
/// </summary>
[Collection(QemuMigrationFaultTests.Name)]
public sealed class GuestNicTests(QemuFixture fixture, ITestOutputHelper output)
{
    [QemuFact]
    public async Task GuestWithNic_AnswersAtItsAddress_AndStillDoesAfterMigratingToAnotherAgentOnTheBridge()
    {
        await using var bridge = await TestBridge.CreateAsync();
        AgentOptions OnBridge(AgentOptions o) => o with { Networks = new Dictionary<string, string> { ["lab"] = bridge.Name } };
        await using var source = await fixture.StartAgentAsync("nic-src", configure: OnBridge);
        await using var destination = await fixture.StartAgentAsync("nic-dst", configure: OnBridge);
        using var src = new AgentClient(source.BaseAddress);
        using var dst = new AgentClient(destination.BaseAddress);
        var nic = new NicRequest("lab", bridge.GuestCidr, null);

        using (var created = await src.PostAsync("api/vms", new CreateVmRequest("vm-n", 1, 128, nic)))
        {
            var vm = await AgentClient.ReadAsync<VmInfo>(created);
            Assert.Equal(nic, vm.Nic);
        }

        await AssertAnswersAsync(bridge.GuestAddress, "after boot");
        await AgentTestSteps.StartMemtestAsync(src, "vm-n");

        using (var ticketResponse = await dst.PostAsync("api/incoming/tickets", new CreateVmRequest("vm-n", 1, 128, nic)))
        {
            var ticket = (await AgentClient.ReadAsync<TicketResponse>(ticketResponse)).Ticket;
            using var migrated = await src.PostAsync("api/vms/vm-n/migrate", new MigrateRequest(destination.BaseAddress.ToString(), ticket, null));
            output.WriteLine($"migration: {await AgentClient.ReadAsync<MigrationReport>(migrated)}");
        }

        Assert.True(await AgentTestSteps.ListsOnlyAsync(dst, "vm-n"), "the destination does not list the VM");
        await AssertAnswersAsync(bridge.GuestAddress, "after the migration");
        Assert.Equal(nic, (await dst.GetJsonAsync<VmInfo>("api/vms/vm-n")).Nic);
        output.WriteLine($"memtest after the migration: {await AgentTestSteps.AssertMemoryIntactAsync(dst, "vm-n")}");
        Assert.False(Directory.Exists($"/sys/class/net/{GuestNic.TapNameFor(source.Agent.Name, "vm-n")}"), "the source's tap is left behind");
        Assert.True(Directory.Exists($"/sys/class/net/{bridge.Name}/brif/{GuestNic.TapNameFor(destination.Agent.Name, "vm-n")}"), "the destination's tap is not on the bridge");
    }

    [QemuFact]
    public async Task NicOnANetworkTheAgentDoesNotOffer_Is409_AndNothingStarts()
    {
        await using var agent = await fixture.StartAgentAsync("nic-none");
        using var client = new AgentClient(agent.BaseAddress);

        using var response = await client.PostAsync("api/vms", new CreateVmRequest("vm-x", 1, 128, new NicRequest("tenant-b", "10.9.0.5/24", null)));

        var (_, detail) = await AgentClient.ProblemAsync(response, 409);
        Assert.Contains("has no network 'tenant-b'", detail, StringComparison.Ordinal);
        Assert.True(await AgentTestSteps.ListsOnlyAsync(client), "the refused VM is listed");
    }

    private async Task AssertAnswersAsync(string address, string when)
    {
        using var ping = new Ping();
        for (var attempt = 1; attempt <= 20; attempt++)
        {
            var reply = await ping.SendPingAsync(System.Net.IPAddress.Parse(address), TimeSpan.FromSeconds(1));
            if (reply.Status == IPStatus.Success)
            {
                output.WriteLine($"{when}: {address} answered ping {attempt} in {reply.RoundtripTime} ms");
                return;
            }
        }

        Assert.Fail($"{when}: the guest at {address} did not answer 20 pings");
    }

    /// <summary>A Linux bridge of this test process with the host's address on a /24 of its own; removed on dispose.</summary>
    private sealed class TestBridge : IAsyncDisposable
    {
        private TestBridge(string name, int subnet)
        {
            Name = name;
            Subnet = subnet;
        }

        public string Name { get; }

        private int Subnet { get; }

        public string GuestAddress => $"10.213.{Subnet}.5";

        public string GuestCidr => GuestAddress + "/24";

        public static async Task<TestBridge> CreateAsync()
        {
            // Bridges of test processes that died are removed first: "rtb" and the owner's pid in hex.
            foreach (var stale in Directory.GetDirectories("/sys/class/net", "rtb*").Select(Path.GetFileName))
            {
                if (int.TryParse(stale.AsSpan(3), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var pid) && !Directory.Exists($"/proc/{pid}"))
                {
                    await IpAsync("link", "del", stale!);
                }
            }

            var bridge = new TestBridge($"rtb{Environment.ProcessId:x}", Environment.ProcessId % 200 + 20);
            await IpAsync("link", "add", bridge.Name, "type", "bridge");
            await IpAsync("addr", "add", $"10.213.{bridge.Subnet}.1/24", "dev", bridge.Name);
            await IpAsync("link", "set", bridge.Name, "up");
            return bridge;
        }

        public async ValueTask DisposeAsync() => await IpAsync("link", "del", Name);

        private static async Task IpAsync(params string[] arguments)
        {
            var result = await ExternalCommand.RunAsync("ip", arguments, "/", CancellationToken.None);
            Assert.True(result.ExitCode == 0, $"ip {string.Join(' ', arguments)}: {result.FirstErrorLine}");
        }
    }
}
