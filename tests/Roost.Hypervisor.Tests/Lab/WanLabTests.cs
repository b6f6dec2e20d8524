using System.Diagnostics;
using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests.Lab;

/// <summary>
/// The lab on the real kernel: a 100 Mbit/s, 40 ms link measured with ping and a TCP transfer, and teardown in
/// every way a lab can end (dispose, its owner's death, a partial up).
/// </summary>
[Collection(LabTestGroup.Name)]
public sealed class WanLabTests
{
    private static readonly WanLabOptions _link = new(2, BitRate.FromMegabits(100), TimeSpan.FromMilliseconds(40));

    private readonly WanLabFixture _fixture;

    public WanLabTests(WanLabFixture fixture) => _fixture = fixture;

    [LabFact]
    public async Task Link_RoundTripWithinTenPercent_AndTcpWithinFifteenPercentOfTheBandwidth()
    {
        await using var lab = await _fixture.UpAsync(_link);

        var rtts = await WanProbe.PingAsync(lab, 1, 2, count: 20, TimeSpan.FromMilliseconds(50), CancellationToken.None);
        var sample = await WanProbe.MeasureThroughputAsync(lab, 1, 2, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), TimeProvider.System, CancellationToken.None);

        var median = rtts.Order().ElementAt(rtts.Count / 2);
        Assert.True(rtts.Count >= 18, $"only {rtts.Count} of 20 pings answered");
        Assert.InRange(median.TotalMilliseconds, 36.0, 44.0);
        Assert.InRange(sample.BitsPerSecond / 1e6, 85.0, 115.0);
        Assert.Equal(0, lab.Status().Relay?.Ports.Sum(p => p.QueueDrops + p.Truncated));
    }

    [LabFact]
    public async Task Dispose_LeavesNoNamespaceInterfaceProcessOrFile()
    {
        var linksBefore = await RootLinksAsync();
        var lab = await _fixture.UpAsync(_link with { Sites = 3, RoundTrip = TimeSpan.Zero });
        var relay = lab.Status().State.Relay;
        using var sleeper = lab.StartInSite(3, "sleep", ["60"]);
        var sleeperIdentity = ProcessIdentity.Of(sleeper.Id);

        await lab.DisposeAsync();

        Assert.Empty((await NamespacesAsync()).Intersect(lab.Layout.Namespaces));
        Assert.Equal(linksBefore, await RootLinksAsync());
        Assert.False(relay?.IsAlive ?? true, "the relay still runs");
        Assert.False(sleeperIdentity?.IsAlive ?? false, "a process started in a site still runs");
        Assert.Null(_fixture.Store.TryRead(lab.Name));
        Assert.False(File.Exists(_fixture.Store.StatsPath(lab.Name)));
    }

    [LabFact]
    public async Task OwnerDies_RelayStops_AndTheSweeperRemovesTheLab()
    {
        // A store of its own: in the shared default store another test's fixture, sweeping stale labs as it starts,
        // could remove this lab (and kill its relay) between the owner's death and the relay noticing it, so the
        // relay's log would not say OwnerGone (CI failed so once).
        var storeDirectory = Directory.CreateTempSubdirectory("roost-lab-owner-");
        try
        {
            await OwnerDiesAsync(new LabStateStore(storeDirectory.FullName));
        }
        finally
        {
            storeDirectory.Delete(recursive: true);
        }
    }

    private async Task OwnerDiesAsync(LabStateStore store)
    {
        using var owner = Process.Start(new ProcessStartInfo("sleep", "1") { UseShellExecute = false })!;
        var name = WanLabFixture.NewName();
        var up = await WanLab.UpAsync(name, _link, _fixture.Relay, store, ProcessIdentity.Of(owner.Id), TimeProvider.System, CancellationToken.None);
        var relay = Assert.IsType<LabUpResult.Up>(up).Lab.Status().State.Relay!.Value;

        await owner.WaitForExitAsync();
        await WaitUntilAsync(() => !relay.IsAlive, TimeSpan.FromSeconds(10), "the relay outlived its lab's owner");
        var log = await File.ReadAllTextAsync(store.LogPath(name));
        var swept = await WanLab.SweepStaleAsync(store, TimeProvider.System, CancellationToken.None);

        Assert.Contains("stopped: OwnerGone", log);
        Assert.Contains(name.Value, swept);
        Assert.Empty((await NamespacesAsync()).Intersect(new WanLabLayout(name, _link).Namespaces));
    }

    [LabFact]
    public async Task Down_AfterAPartialUp_RemovesWhatExists()
    {
        var name = WanLabFixture.NewName();
        var layout = new WanLabLayout(name, _link);
        _fixture.Store.Write(WanLabState.Planned(layout, ProcessIdentity.Current, DateTimeOffset.UnixEpoch));
        await RunAsync("ip", "netns", "add", layout.SiteNamespace(1));

        var down = await WanLab.DownAsync(name, _fixture.Store, TimeProvider.System, CancellationToken.None);

        var removed = Assert.IsType<LabDownResult.Removed>(down);
        Assert.Equal([layout.SiteNamespace(1)], removed.Namespaces);
        Assert.DoesNotContain(layout.SiteNamespace(1), await NamespacesAsync());
        Assert.IsType<LabDownResult.NotFound>(await WanLab.DownAsync(name, _fixture.Store, TimeProvider.System, CancellationToken.None));
    }

    [LabFact]
    public async Task Up_Again_IsIdempotent_AndOtherOptionsAreRefusedInOneLine()
    {
        await using var lab = await _fixture.UpAsync(_link);

        var same = await WanLab.UpAsync(lab.Name, _link, _fixture.Relay, _fixture.Store, ProcessIdentity.Current, TimeProvider.System, CancellationToken.None);
        var other = await WanLab.UpAsync(lab.Name, _link with { Sites = 3 }, _fixture.Relay, _fixture.Store, ProcessIdentity.Current, TimeProvider.System, CancellationToken.None);

        Assert.True(Assert.IsType<LabUpResult.Up>(same).AlreadyUp);
        Assert.Equal(
            $"lab '{lab.Name}' is up with 2 sites, 100mbit, rtt 40ms; run 'roost lab wan down --name {lab.Name}' first",
            Assert.IsType<LabUpResult.Refused>(other).Reason);
    }

    [LabFact]
    public async Task TapInASitesBridge_CarriesTrafficFromAnotherSite()
    {
        await using var lab = await _fixture.UpAsync(_link);
        var guest = System.Net.IPAddress.Parse("10.77.1.20");
        using var tap = TapResponder.Open(lab.Layout.SiteNamespace(1), "tap0", guest);
        await RunAsync("ip", "-n", lab.Layout.SiteNamespace(1), "link", "set", "tap0", "master", WanLabLayout.BridgeName, "up");

        var rtts = await WanProbe.PingAsync(lab, 2, guest, count: 5, TimeSpan.FromMilliseconds(50), CancellationToken.None);

        Assert.Null(tap.Failure);
        Assert.True(rtts.Count >= 4, $"only {rtts.Count} of 5 pings to the tap answered");
        // Only a floor: the replies come from a user thread of this process, which a loaded machine may run late;
        // the floor shows the echo crossed the WAN (the link's own RTT is the Link test's claim).
        Assert.True(rtts.Min() >= TimeSpan.FromMilliseconds(36), $"a reply after {rtts.Min().TotalMilliseconds} ms did not cross the 40 ms WAN");
        Assert.True(tap.ArpAnswered >= 1, "no ARP request reached the tap");
        Assert.True(tap.EchoAnswered >= rtts.Count, $"{tap.EchoAnswered} echo requests reached the tap, {rtts.Count} replies came back");
    }

    private static async Task<List<string>> NamespacesAsync() =>
        [.. (await RunAsync("ip", "netns", "list")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0])];

    private static async Task<List<string>> RootLinksAsync() =>
        [.. (await RunAsync("ip", "-o", "link", "show")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':')[1].Trim()).Order()];

    private static async Task<string> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)}: {await process.StandardError.ReadToEndAsync()}");
        return output;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string failure)
    {
        var started = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(started.Elapsed < timeout, failure);
            await Task.Delay(50);
        }
    }
}
