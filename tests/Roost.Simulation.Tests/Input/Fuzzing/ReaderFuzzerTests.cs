using Roost.Simulation.Input.Fuzzing;
using Xunit.Abstractions;

namespace Roost.Simulation.Tests.Input.Fuzzing;

/// <summary>
/// The fast sample of the reader fuzz pass: a few hundred seeded malformed inputs per reader. The full pass (10,000 per
/// reader) is <c>roost fuzz readers</c> (docs/experiments/security-faults.md).
/// </summary>
public sealed class ReaderFuzzerTests(ITestOutputHelper output)
{
    private const int Cases = 200;

    public static TheoryData<string> Readers => [.. ReaderFuzzer.Targets.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Readers))]
    public void FastSample_EveryCase_IsRejectedOrAcceptedCleanly(string reader)
    {
        var target = ReaderFuzzer.Targets.Single(t => t.Name == reader);

        var report = ReaderFuzzer.Run(target, Cases, seed: 1, hangBound: TimeSpan.FromSeconds(60));

        output.WriteLine($"{reader}: {report.Rejected} rejected, {report.Accepted} accepted, slowest {report.MaxCaseTime.TotalMilliseconds:0} ms, most allocated {report.MaxAllocatedBytes:N0} bytes");
        Assert.True(report.Clean, $"{reader}:\n{string.Join('\n', report.Failures)}");
        Assert.Equal(Cases, report.Rejected + report.Accepted);
        Assert.True(report.Rejected > Cases / 2, $"{reader}: only {report.Rejected} of {Cases} malformed inputs rejected");
        Assert.True(report.Accepted > 0, $"{reader}: nothing accepted, so the acceptance checks never ran");
    }

    [Fact]
    public void CaseSeed_DependsOnSeedReaderAndIndexOnly()
    {
        Assert.Equal(ReaderFuzzer.CaseSeed(1, "csv", 7), ReaderFuzzer.CaseSeed(1, "csv", 7));
        Assert.NotEqual(ReaderFuzzer.CaseSeed(1, "csv", 7), ReaderFuzzer.CaseSeed(1, "csv", 8));
        Assert.NotEqual(ReaderFuzzer.CaseSeed(1, "csv", 7), ReaderFuzzer.CaseSeed(2, "csv", 7));
        Assert.NotEqual(ReaderFuzzer.CaseSeed(1, "csv", 7), ReaderFuzzer.CaseSeed(1, "scenario", 7));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("a\nb", "holds control characters")]
    [InlineData("x: \u001b[2J", "holds control characters")]
    [InlineData("System.Exception: boom\n   at Foo()", "holds control characters")]
    public void MessageProblem_FlagsUncleanLines(string message, string expected) =>
        Assert.Equal(expected, ReaderFuzzer.MessageProblem(message));

    /// <summary>The harness itself must see a fault: a reader that throws, one that hangs, one that allocates too much.</summary>
    [Fact]
    public void Run_FaultyReaders_AreCounted()
    {
        var report = ReaderFuzzer.Run(new FaultyTarget(), 6, seed: 1, hangBound: TimeSpan.FromMilliseconds(500));

        Assert.False(report.Clean);
        Assert.Equal(2, report.Unexpected);
        Assert.Equal(2, report.Hangs);
        Assert.Equal(2, report.OverMemory);
    }

    private sealed class FaultyTarget : ReaderFuzzTarget
    {
        private int _next;

        public override string Name => "faulty";

        public override long AllocationBound(long inputBytes) => 1 << 20;

        public override FuzzCase Prepare(Random random, string scratch) => (_next++ % 3) switch
        {
            0 => new FuzzCase("throws", 1, () => throw new OverflowException("boom")),
            1 => new FuzzCase("hangs", 1, () =>
            {
                Thread.Sleep(TimeSpan.FromSeconds(3));
                return new FuzzOutcome.Accepted(null);
            }),
            _ => new FuzzCase("allocates", 1, () => new FuzzOutcome.Accepted(new byte[8 << 20].Length > 0 ? null : "?")),
        };
    }
}
