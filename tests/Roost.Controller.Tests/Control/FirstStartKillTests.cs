using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Roost.Controller.Store;
using Xunit.Abstractions;

namespace Roost.Controller.Tests.Control;

/// <summary>
/// <c>roost serve</c> SIGKILLed during its first start (a simulated fleet of 1000 hosts and some 5000 VMs, whose
/// seeding takes most of a second): once as soon as it says it is storing the inventory (inside the seed
/// transaction), once at a seeded random moment of a start. After each kill the store holds the whole
/// inventory or none of it, never a part; a last start ends with the whole inventory, seeded once.
/// </summary>
public sealed partial class FirstStartKillTests(ITestOutputHelper output)
{
    private static readonly string[] _fleet = ["--hosts", "1000", "--vms", "10000", "--interval", "3600"];

    [Theory]
    [InlineData(1)]
    public async Task KilledDuringItsFirstStart_TheControllerResumesWithTheWholeInventory(int seed)
    {
        using var data = new TempDirectory();
        var random = new Random(seed);

        // Kill inside the seed transaction: as soon as the controller says it is storing the inventory.
        await KillAsync(data.Path, serve => Task.FromResult(serve.Log.Contains("first start: storing", StringComparison.Ordinal)));
        var afterFirst = await InventoryAsync(data.Path);

        // Kill at a random moment of a start, up to 3 s in.
        var delay = TimeSpan.FromMilliseconds(random.Next(200, 3000));
        var started = Stopwatch.GetTimestamp();
        await KillAsync(data.Path, _ => Task.FromResult(Stopwatch.GetElapsedTime(started) >= delay));
        var afterSecond = await InventoryAsync(data.Path);

        using var last = await ServeProcess.StartAsync(data.Path, _fleet);
        var final = await InventoryAsync(data.Path);

        output.WriteLine($"seed {seed}: after the mid-seed kill {afterFirst}; after the kill at {delay.TotalMilliseconds:0} ms {afterSecond}; at last {final}");
        Assert.Equal(1000, final.Hosts);
        Assert.Equal(1, final.FirstStarts);
        Assert.Equal(final.Announced, final.Vms);
        Assert.True(final.Vms > 5_000, $"{final.Vms} VMs");
        using var api = last.Client();
        Assert.Equal(final.Vms, (await api.GetFromJsonAsync<JsonElement>("/api/vms")).GetArrayLength());
    }

    /// <summary>Starts <c>roost serve</c> on the directory and SIGKILLs it as soon as <paramref name="now"/> says so.</summary>
    private static async Task KillAsync(string data, Func<ServeProcess, Task<bool>> now)
    {
        using var serve = await ServeProcess.StartWithoutWaitingAsync(data, _fleet);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await now(serve) && !serve.HasExited)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(2), deadline.Token);
        }

        await serve.KillAsync();
    }

    /// <summary>What the store holds: whole (hosts, VMs as many as its first-start event announced, one such event) or nothing.</summary>
    private static async Task<Inventory> InventoryAsync(string data)
    {
        await using var store = new SqliteControllerStore(Path.Combine(data, "roost.db"));
        var hosts = (await store.GetHostsAsync(default)).Count;
        var vms = (await store.GetVmsAsync(default)).Count;
        var firsts = (await store.GetRecentEventsAsync(1000, EventFilter.All, default)).Where(e => e.Message.StartsWith("first start:", StringComparison.Ordinal)).ToList();
        var announced = firsts.Count == 1 ? int.Parse(Announced().Match(firsts[0].Message).Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var inventory = new Inventory(hosts, vms, firsts.Count, announced);
        Assert.True(inventory is (0, 0, 0, 0) or (1000, _, 1, _) && vms == announced, $"a part of the inventory: {inventory}");
        return inventory;
    }

    [GeneratedRegex(@"and (\d+) VMs")]
    private static partial Regex Announced();

    private sealed record Inventory(int Hosts, int Vms, int FirstStarts, int Announced);
}
