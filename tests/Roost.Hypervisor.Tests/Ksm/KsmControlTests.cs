using Roost.Hypervisor.Ksm;

namespace Roost.Hypervisor.Tests.Ksm;

/// <summary>KSM's sysfs folder stood in for by a temporary folder of the same files: reading, setting, restoring.</summary>
public sealed class KsmControlTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "roost-tests", $"ksm-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public KsmControlTests()
    {
        Directory.CreateDirectory(_directory);
        foreach (var (name, value) in new[]
        {
            ("run", "0"), ("pages_to_scan", "100"), ("sleep_millisecs", "20"), ("use_zero_pages", "0"), ("smart_scan", "1"),
            ("pages_shared", "7"), ("pages_sharing", "4242"), ("pages_unshared", "9"), ("pages_volatile", "3"), ("full_scans", "12"), ("general_profit", "-5"),
        })
        {
            File.WriteAllText(Path.Combine(_directory, name), value + "\n");
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Counters_AreReadWithTheOptionalOnesWhereTheKernelHasThem()
    {
        var counters = new KsmControl(_directory).ReadCounters();

        Assert.Equal((7L, 4242L, 9L, 3L, 12L, (long?)-5, (long?)null), (counters.PagesShared, counters.PagesSharing, counters.PagesUnshared, counters.PagesVolatile, counters.FullScans, counters.GeneralProfit, counters.ZeroPages));
        Assert.Equal(4242L * Environment.SystemPageSize, counters.SavedBytes);
    }

    [Fact]
    public async Task Session_AppliesTheExperimentSettings_AndRestoresTheOldOnesStoppedAndUnmerged()
    {
        var control = new KsmControl(_directory);

        using (await KsmSession.StartAsync(control, KsmSettings.Experiment, TimeSpan.FromSeconds(30), TimeProvider.System, CancellationToken.None))
        {
            Assert.Equal(KsmSettings.Experiment, control.ReadSettings());
        }

        Assert.Equal(new KsmSettings(0, 100, 20, 0, 1), control.ReadSettings());
    }

    [Fact]
    public async Task Session_ThatCannotApplyEveryKnob_PutsBackTheOnesItWrote_AndReleasesTheLock()
    {
        // sleep_millisecs reads as a number but refuses every write, root's too (a read-only sysctl); Apply writes
        // pages_to_scan before it.
        var sleep = Path.Combine(_directory, "sleep_millisecs");
        File.Delete(sleep);
        File.CreateSymbolicLink(sleep, "/proc/sys/kernel/ngroups_max");
        var control = new KsmControl(_directory);

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => KsmSession.StartAsync(control, KsmSettings.Experiment, TimeSpan.FromSeconds(30), TimeProvider.System, CancellationToken.None));

        Assert.True(failure is IOException or UnauthorizedAccessException, failure.ToString());
        Assert.Equal(100, control.ReadSettings().PagesToScan);
        var again = await Assert.ThrowsAnyAsync<Exception>(() => KsmSession.StartAsync(control, KsmSettings.Experiment, TimeSpan.FromMilliseconds(300), TimeProvider.System, CancellationToken.None));
        Assert.DoesNotContain("in use by another session", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecondSession_WaitsForTheFirst()
    {
        var control = new KsmControl(_directory);
        var first = await KsmSession.StartAsync(control, KsmSettings.Experiment, TimeSpan.FromSeconds(30), TimeProvider.System, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<IOException>(() => KsmSession.StartAsync(control, KsmSettings.Experiment, TimeSpan.FromMilliseconds(300), TimeProvider.System, CancellationToken.None));
        first.Dispose();
        using var second = await KsmSession.StartAsync(control, KsmSettings.Experiment, TimeSpan.FromSeconds(30), TimeProvider.System, CancellationToken.None);

        Assert.Contains("KSM is in use by another session", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFolder_IsUnavailableWithTheReason()
    {
        var reason = new KsmControl(Path.Combine(_directory, "absent")).Unavailable();

        Assert.Contains("this kernel has no KSM", reason, StringComparison.Ordinal);
    }
}
