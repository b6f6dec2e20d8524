using Roost.Core.Network;

namespace Roost.Core.Tests.Network;

/// <summary>
/// <see cref="SiteSync"/> against a simulated controller (whose intent changes at random) and a simulated kernel,
/// with fetches and reconciliations failing at random for a while, over many seeds: one operation at a time, bounded
/// back-off, only served versions applied, every outcome reported, and once the faults stop the site converges on the
/// controller's latest intent.
/// </summary>
public sealed class SiteSyncTests
{
    private static readonly SiteSyncSettings _settings = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void RandomChangesAndFaults_OneOperationAtATime_BoundedBackOff_ThenConverges(int seed)
    {
        var random = new Random(seed);
        var controller = new List<string> { "v0" };
        var served = new HashSet<string>(StringComparer.Ordinal);
        string? kernel = null;
        var machine = new SiteSync(_settings);
        var pending = new Queue<SiteSyncInput>([new SiteSyncInput.Started()]);
        var faultySteps = random.Next(20, 200);
        var lastApplyFailed = false;
        string? lastFinished = null;
        for (var step = 0; step < faultySteps + 50; step++)
        {
            Assert.True(pending.TryDequeue(out var input), $"seed {seed}: step {step}: the machine asked for nothing");
            var faulty = step < faultySteps;
            if (faulty && random.Next(4) == 0)
            {
                controller.Add($"v{controller.Count}");
            }

            var outputs = machine.Handle(input);
            var operations = outputs.Where(o => o is not SiteSyncOutput.Report).ToList();
            Assert.True(operations.Count == 1, $"seed {seed}: step {step}: {operations.Count} operations asked for at once after {input}");
            foreach (var output in outputs)
            {
                switch (output)
                {
                    case SiteSyncOutput.Fetch fetch:
                        Assert.True(fetch.KnownVersion is null || fetch.KnownVersion == lastFinished, $"seed {seed}: a long poll for {fetch.KnownVersion}, which was never applied last");
                        var current = controller[^1];
                        served.Add(current);
                        pending.Enqueue(faulty && random.Next(3) == 0 ? new SiteSyncInput.FetchFailed("controller unreachable")
                            : fetch.KnownVersion == current ? new SiteSyncInput.IntentUnchanged()
                            : new SiteSyncInput.IntentFetched(current, NetworkIntent.Empty));
                        break;
                    case SiteSyncOutput.Apply apply:
                        Assert.True(served.Contains(apply.Version), $"seed {seed}: applied {apply.Version}, which the controller never served");
                        lastApplyFailed = faulty && random.Next(3) == 0;
                        if (lastApplyFailed)
                        {
                            pending.Enqueue(new SiteSyncInput.ApplyFailed(apply.Version, "tc: busy"));
                        }
                        else
                        {
                            var changes = kernel == apply.Version ? 0 : 1;
                            kernel = apply.Version;
                            lastFinished = apply.Version;
                            pending.Enqueue(new SiteSyncInput.ApplyFinished(apply.Version, changes));
                        }

                        break;
                    case SiteSyncOutput.Report report:
                        Assert.True((report.Error is not null) == lastApplyFailed, $"seed {seed}: report {report} after a {(lastApplyFailed ? "failed" : "finished")} reconciliation");
                        break;
                    case SiteSyncOutput.Wait wait:
                        Assert.InRange(wait.After, _settings.RetryMin, _settings.RetryMax);
                        pending.Enqueue(new SiteSyncInput.TimerFired());
                        break;
                }
            }
        }

        Assert.Equal(controller[^1], kernel);
        Assert.Equal(controller[^1], machine.AppliedVersion);
        Assert.Equal(0, machine.ConsecutiveFailures);
    }

    [Fact]
    public void BackOff_DoublesFromTheFirstDelay_UpToTheBound_AndASuccessResetsIt()
    {
        var machine = new SiteSync(_settings);
        machine.Handle(new SiteSyncInput.Started());
        var waits = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            waits.Add(machine.Handle(new SiteSyncInput.FetchFailed("down")).OfType<SiteSyncOutput.Wait>().Single().After.TotalSeconds);
            Assert.Equal(new SiteSyncOutput.Fetch(null, TimeSpan.Zero), machine.Handle(new SiteSyncInput.TimerFired()).Single());
        }

        machine.Handle(new SiteSyncInput.IntentFetched("v1", NetworkIntent.Empty));
        var afterSuccess = machine.Handle(new SiteSyncInput.ApplyFinished("v1", 3));
        machine.Handle(new SiteSyncInput.FetchFailed("down again"));

        Assert.Equal([1.0, 2, 4, 8, 16, 30, 30], waits);
        Assert.Equal([new SiteSyncOutput.Report("v1", 3, null), new SiteSyncOutput.Fetch("v1", _settings.Resync)], afterSuccess);
        Assert.Equal(1, machine.ConsecutiveFailures);
    }

    [Fact]
    public void LongPollRunningOut_ReconcilesTheSameIntentAgain_AndStaleAnswersAreIgnored()
    {
        var intent = new NetworkIntent([new Vpc(new VpcId(1), "a", Ipv4Subnet.Parse("10.0.0.0/24"))], [], []);
        var machine = new SiteSync(_settings);
        machine.Handle(new SiteSyncInput.Started());
        machine.Handle(new SiteSyncInput.IntentFetched("v1", intent));
        machine.Handle(new SiteSyncInput.ApplyFinished("v1", 5));

        var stale = machine.Handle(new SiteSyncInput.ApplyFinished("v0", 1));
        var timer = machine.Handle(new SiteSyncInput.TimerFired());
        var resync = machine.Handle(new SiteSyncInput.IntentUnchanged());
        var secondStart = machine.Handle(new SiteSyncInput.Started());

        Assert.Empty(stale);
        Assert.Empty(timer);
        Assert.Equal([new SiteSyncOutput.Apply("v1", intent)], resync);
        Assert.Empty(secondStart);
        Assert.Equal("v1", machine.AppliedVersion);
    }

    [Theory]
    [InlineData(0, 30, 30)]
    [InlineData(2, 1, 30)]
    [InlineData(1, 30, 0.5)]
    [InlineData(1, 30, 61)]
    public void Settings_OutOfRange_AreRefusedWithOneLine(double retryMin, double retryMax, double resync)
    {
        var settings = new SiteSyncSettings(TimeSpan.FromSeconds(retryMin), TimeSpan.FromSeconds(retryMax), TimeSpan.FromSeconds(resync));

        var e = Assert.Throws<ArgumentException>(() => new SiteSync(settings));

        Assert.StartsWith("site sync: ", e.Message, StringComparison.Ordinal);
    }
}
