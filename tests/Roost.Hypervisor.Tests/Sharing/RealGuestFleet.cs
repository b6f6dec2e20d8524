using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Tests.Sharing;

/// <summary>
/// Boots <see cref="GuestsPerProfile"/> guests of every image profile, one at a time (one agent per profile on
/// 127.0.0.1), fingerprints each through its agent while it runs, and destroys it at once, so at most one guest runs
/// at a time. Computed once per test run and shared by the sharing tests.
/// </summary>
internal static class RealGuestFleet
{
    public const int GuestsPerProfile = 8;

    public const int GuestMemoryMiB = 128;

    private static readonly SemaphoreSlim _gate = new(1, 1);
    private static IReadOnlyList<RealGuest>? _guests;

    public static async Task<IReadOnlyList<RealGuest>> GetAsync(QemuFixture fixture)
    {
        await _gate.WaitAsync();
        try
        {
            return _guests ??= await BootAndFingerprintAsync(fixture);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<IReadOnlyList<RealGuest>> BootAndFingerprintAsync(QemuFixture fixture)
    {
        var guests = new List<RealGuest>();
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var fingerprints = new GuestFingerprintClient(http);
        foreach (var profile in GuestProfile.All)
        {
            var image = await QemuFixture.ImageAsync(profile.Name);
            var agent = await fixture.StartAgentAsync($"share-{profile.Name}", new AgentCapacity(2, 512), image, TimeSpan.FromSeconds(120));
            using var client = new AgentClient(agent.BaseAddress);
            for (var i = 1; i <= GuestsPerProfile; i++)
            {
                var id = $"{profile.Name}-{i}";
                var created = await AgentClient.ReadAsync<VmInfo>(await client.PostAsync("api/vms", new CreateVmRequest(id, 1, GuestMemoryMiB)));
                try
                {
                    var result = await fingerprints.FingerprintAsync(agent.BaseAddress, QemuFixture.Token, created.Id, HashSampling.None, CancellationToken.None);
                    var memory = Assert.IsType<AgentOutcome<GuestMemoryFingerprint>.Ok>(result).Value;
                    guests.Add(new RealGuest(profile.Name, memory));
                }
                finally
                {
                    using var destroyed = await client.DeleteAsync($"api/vms/{id}");
                    Assert.True(destroyed.IsSuccessStatusCode, $"destroying {id}: {(int)destroyed.StatusCode}");
                }
            }

            Assert.Empty(Directory.GetFiles("/dev/shm", $"roost.{agent.Agent.Options.Name}.*"));
        }

        return guests;
    }
}
