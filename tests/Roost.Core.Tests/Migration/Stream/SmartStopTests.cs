using Roost.Core.Migration;
using Roost.Core.Migration.Stream;

namespace Roost.Core.Tests.Migration.Stream;

public sealed class SmartStopTests
{
    [Fact]
    public void Observe_DirtySetStopsShrinking_StopsAtThatPass()
    {
        var rule = new SmartStop(new SmartStopOptions());
        var dirty = new long[] { 512_000_000, 40_000_000, 20_000_000, 12_000_000, 11_500_000, 11_800_000 };

        var stoppedAt = Run(rule, dirty);

        Assert.Equal(5, stoppedAt);
        Assert.Contains("pass 5", rule.StopReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_DirtySetKeepsShrinking_NeverStops()
    {
        var rule = new SmartStop(new SmartStopOptions());
        var dirty = Enumerable.Range(0, 12).Select(i => 100_000_000L >> i).ToArray();

        Assert.Equal(-1, Run(rule, dirty));
        Assert.Null(rule.StopReason);
    }

    [Fact]
    public void Observe_ManyPasses_StopsAtTheLimit()
    {
        var rule = new SmartStop(new SmartStopOptions { MaxRounds = 4, MinShrink = 0 });
        var dirty = Enumerable.Range(0, 8).Select(i => 100_000_000L - i).ToArray();

        Assert.Equal(5, Run(rule, dirty));
    }

    [Fact]
    public void Rounds_RecordDurationSentAndDirtyRate()
    {
        var rule = new SmartStop(new SmartStopOptions());

        Run(rule, [400_000_000, 50_000_000, 30_000_000]);

        var bulk = rule.Rounds[0];
        Assert.Equal(TimeSpan.FromSeconds(10), bulk.Duration);
        Assert.Equal(400_000_000, bulk.SentBytes);
        Assert.Equal(5_000_000, bulk.DirtyBytesPerSecond);
        Assert.Null(rule.Rounds[^1].Duration);
    }

    [Fact]
    public void Options_OutOfRange_AreNamed()
    {
        Assert.Contains("MinShrink", new SmartStopOptions { MinShrink = double.NaN }.Validate(), StringComparison.Ordinal);
        Assert.Contains("Window", new SmartStopOptions { Window = 0 }.Validate(), StringComparison.Ordinal);
        Assert.Null(new SmartStopOptions().Validate());
    }

    /// <summary>Feeds passes with the given dirty sets (each lasting dirty / 40 MB/s, three reports a pass); returns the pass it stopped at, or -1.</summary>
    private static int Run(SmartStop rule, long[] dirty)
    {
        var elapsed = TimeSpan.Zero;
        long transferred = 0;
        for (var pass = 0; pass < dirty.Length; pass++)
        {
            var duration = TimeSpan.FromSeconds(dirty[pass] / 40e6);
            for (var report = 0; report < 3; report++)
            {
                var remaining = dirty[pass] - dirty[pass] * report / 3;
                var progress = new StreamProgress(StreamStatus.Active, transferred + dirty[pass] - remaining, remaining, 512L << 20, pass + 1, elapsed + duration * report / 3, null, null);
                if (rule.Observe(progress))
                {
                    return pass + 1;
                }
            }

            elapsed += duration;
            transferred += dirty[pass];
        }

        return -1;
    }
}
