using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Tests.Sharing;

[Collection(QemuTests.Name)]
public sealed class GuestFingerprintClientTests(QemuFixture fixture)
{
    [QemuFact]
    public async Task Fingerprint_CountsEveryPage_AndLeavesTheGuestRunning()
    {
        var (agent, _) = await fixture.SharedGuestAsync();
        using var client = new AgentClient(agent.BaseAddress);
        using var http = new HttpClient();

        var result = await new GuestFingerprintClient(http).FingerprintAsync(agent.BaseAddress, QemuFixture.Token, "vm-1", HashSampling.None, CancellationToken.None);

        var memory = Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Ok>(result).Value;
        Assert.Equal(128L * PageHasher.PagesPerMiB, memory.MemoryPages);
        Assert.InRange(memory.Pages.Count, 1000, memory.MemoryPages - memory.Pages.ZeroPages);
        Assert.True(memory.Pages.ZeroPages > 0, "a freshly booted 128 MiB guest has untouched (zero) pages");
        var vm = await client.GetJsonAsync<VmInfo>("api/vms/vm-1");
        Assert.Equal(VmState.Running, vm.State);
    }

    [QemuFact]
    public async Task Fingerprint_UnknownVm_IsAProblemNamingAgentAndVm()
    {
        await using var agent = await fixture.StartAgentAsync("fp");
        using var http = new HttpClient();

        var result = await new GuestFingerprintClient(http).FingerprintAsync(agent.BaseAddress, QemuFixture.Token, "nope", HashSampling.None, CancellationToken.None);

        var problem = Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Failed>(result).Problem;
        Assert.Contains($"agent {agent.BaseAddress} refused GET /api/vms/nope: 404", problem.Detail, StringComparison.Ordinal);
    }
}
