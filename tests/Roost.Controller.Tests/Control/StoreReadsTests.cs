using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Roost.Controller.Control;
using Roost.Controller.Drivers;
using Roost.Controller.Store;

namespace Roost.Controller.Tests.Control;

/// <summary>How often a control step reads the store: once per thing it loads, not once per thing it decides.</summary>
public sealed class StoreReadsTests
{
    [Fact]
    public async Task QuietStep_ReadsTheStoreSixTimes()
    {
        using var directory = new TempDirectory();
        var time = new ManualTimeProvider();
        await using var store = new CountingStore(new SqliteControllerStore(Path.Combine(directory.Path, "roost.db")));
        await using var writer = await store.TryLockAsync(default);
        Assert.NotNull(writer);
        var role = new ControllerRole(store.Description);
        role.Starting(writer);

        // A light load on many hosts: no hotspot, nothing to execute, no request from the API.
        var driver = new SimulatedHostDriver(new SimulatedFleet(Hosts: 8, Vms: 8, Speed: 1, Seed: 3, Intensity: 0.2), time);
        var live = new LiveState();
        var loop = new ControlLoop(store, driver, time, live, new ControlLoopOptions(null, TimeSpan.FromSeconds(10), TimeSpan.FromDays(1)), role, new NoLifetime(), NullLogger<ControlLoop>.Instance);
        await loop.InitializeAsync(default);
        for (var i = 0; i < 8; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await loop.StepAsync(default);
        }

        var before = store.Reads;
        time.Advance(TimeSpan.FromSeconds(1));
        await loop.StepAsync(default);

        // Settings, hosts, VMs, and the executing, approved and pending plans.
        Assert.Equal(6, store.Reads - before);
        Assert.Equal(8, live.Current.Hosts.Count);
        Assert.Empty(await store.GetPlansAsync(null, 10, default));
    }

    private sealed class NoLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
