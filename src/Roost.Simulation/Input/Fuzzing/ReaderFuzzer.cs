using System.Diagnostics;
using System.Globalization;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// Runs seeded malformed inputs through every reader and counts the outcomes: a clean rejection (the reader's own
/// error, one printable line), an acceptance (checked by the target), or a fault: any other exception, a case that
/// runs past the hang bound, or one that allocates more than its bound. Case <c>i</c> of a reader is built from a
/// generator seeded by (seed, reader, i) alone, so any case can be replayed on its own (<see cref="RunOne"/>).
/// </summary>
public static class ReaderFuzzer
{
    /// <summary>Longest message counted as one line: a path (at most 4,096 bytes) and a short explanation.</summary>
    public const int LongestMessage = 5_000;

    /// <summary>Failures listed per reader in the report (all are counted).</summary>
    private const int FailuresListed = 20;

    /// <summary>Every reader, in report order.</summary>
    public static IReadOnlyList<ReaderFuzzTarget> Targets { get; } =
    [
        new PlanetLabFuzzTarget(),
        new BitbrainsFuzzTarget(),
        new CsvFuzzTarget(),
        new SyntheticFuzzTarget(),
        new ScenarioFuzzTarget(),
        new FingerprintFuzzTarget(),
        new FingerprintFolderFuzzTarget(),
    ];

    /// <summary>Runs <paramref name="cases"/> cases of <paramref name="target"/> and reports what happened.</summary>
    public static ReaderFuzzReport Run(ReaderFuzzTarget target, int cases, int seed, TimeSpan hangBound)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentOutOfRangeException.ThrowIfNegative(cases);
        var root = Directory.CreateTempSubdirectory($"roost-fuzz-{target.Name}-").FullName;
        int rejected = 0, accepted = 0, unexpected = 0, hangs = 0, badMessages = 0, badAccepts = 0, overMemory = 0;
        var maxTime = TimeSpan.Zero;
        long maxAllocated = 0;
        var failures = new List<string>();
        try
        {
            for (var i = 0; i < cases; i++)
            {
                var scratch = Path.Join(root, i.ToString(CultureInfo.InvariantCulture));
                var result = RunCase(target, seed, i, scratch, hangBound);
                maxTime = result.Time > maxTime ? result.Time : maxTime;
                maxAllocated = Math.Max(maxAllocated, result.AllocatedBytes);
                string? failure = null;
                switch (result.Outcome)
                {
                    case CaseOutcome.Hung:
                        hangs++;
                        failure = $"hang: still running after {hangBound.TotalSeconds:0} s";
                        break;
                    case CaseOutcome.Threw threw:
                        unexpected++;
                        failure = $"{threw.Exception.GetType().Name}: {PrintableText.Shorten(threw.Exception.Message, 300)}";
                        break;
                    case CaseOutcome.Finished { Outcome: FuzzOutcome.Rejected { Message: var message } }:
                        rejected++;
                        if (MessageProblem(message) is { } unclean)
                        {
                            badMessages++;
                            failure = $"rejection message {unclean}: {PrintableText.Shorten(message, 300)}";
                        }

                        break;
                    case CaseOutcome.Finished { Outcome: FuzzOutcome.Accepted { Problem: var problem } }:
                        accepted++;
                        if (problem is not null)
                        {
                            badAccepts++;
                            failure = $"accepted, but {problem}";
                        }

                        break;
                }

                if (result.Outcome is not CaseOutcome.Hung && result.AllocatedBytes > target.AllocationBound(result.Case.InputBytes))
                {
                    overMemory++;
                    failure ??= $"allocated {result.AllocatedBytes:N0} bytes for {result.Case.InputBytes:N0} bytes of input";
                }

                if (failure is not null && failures.Count < FailuresListed)
                {
                    failures.Add($"case {i} ({result.Case.Description}): {failure}");
                }

                TryDelete(scratch);
            }
        }
        finally
        {
            TryDelete(root);
        }

        return new ReaderFuzzReport(
            target.Name, cases, rejected, accepted, unexpected, hangs, badMessages, badAccepts, overMemory,
            maxTime, maxAllocated, PeakWorkingSetBytes(), failures);
    }

    /// <summary>
    /// Prepares and runs case <paramref name="index"/> alone in <paramref name="scratch"/> (kept, for a look at the
    /// input), and describes what happened in one line.
    /// </summary>
    public static string RunOne(ReaderFuzzTarget target, int seed, int index, string scratch, TimeSpan hangBound)
    {
        ArgumentNullException.ThrowIfNull(target);
        var result = RunCase(target, seed, index, scratch, hangBound);
        var outcome = result.Outcome switch
        {
            CaseOutcome.Hung => "HANG",
            CaseOutcome.Threw threw => $"UNEXPECTED {threw.Exception}",
            CaseOutcome.Finished { Outcome: FuzzOutcome.Rejected r } => $"rejected: {r.Message}",
            CaseOutcome.Finished { Outcome: FuzzOutcome.Accepted a } => a.Problem is null ? "accepted" : $"accepted, but {a.Problem}",
            _ => "?",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"{target.Name} case {index} ({result.Case.Description}), input in {scratch}: {outcome}; {result.Time.TotalMilliseconds:0.#} ms, {result.AllocatedBytes:N0} bytes allocated");
    }

    /// <summary>The seed of case <paramref name="index"/> of <paramref name="target"/>: the same on every machine and run.</summary>
    public static int CaseSeed(int seed, string target, int index)
    {
        ArgumentNullException.ThrowIfNull(target);
        var mixed = unchecked((ulong)(uint)seed << 32 | (uint)index);
        foreach (var c in target)
        {
            mixed = unchecked((mixed * 31) + c);
        }

        var generator = new SplitMix64(mixed);
        return unchecked((int)generator.Next());
    }

    /// <summary>Why a rejection message is not one clear printable line, or null if it is.</summary>
    public static string? MessageProblem(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Length == 0 ? "is empty"
            : PrintableText.HasUnsafe(message) ? "holds control characters"
            : message.Length > LongestMessage ? $"is {message.Length} characters long"
            : message.Contains("   at ", StringComparison.Ordinal) ? "holds a stack trace"
            : null;
    }

    private static CaseResult RunCase(ReaderFuzzTarget target, int seed, int index, string scratch, TimeSpan hangBound)
    {
        Directory.CreateDirectory(scratch);
        var fuzzCase = target.Prepare(new Random(CaseSeed(seed, target.Name, index)), scratch);

        // Allocation is counted on the thread that runs the case, so other work in the process (tests running in
        // parallel) does not count; work a reader hands to other threads is checked by its target instead.
        long allocated = 0;
        var clock = Stopwatch.StartNew();
        var run = Task.Factory.StartNew(
            () =>
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    return fuzzCase.Run();
                }
                finally
                {
                    Interlocked.Exchange(ref allocated, GC.GetAllocatedBytesForCurrentThread() - before);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        var finished = ((IAsyncResult)run).AsyncWaitHandle.WaitOne(hangBound);
        var time = clock.Elapsed;
        CaseOutcome outcome = !finished ? new CaseOutcome.Hung()
            : run.IsFaulted ? new CaseOutcome.Threw(run.Exception?.InnerException ?? new InvalidOperationException("faulted"))
            : new CaseOutcome.Finished(run.GetAwaiter().GetResult());
        allocated = Interlocked.Read(ref allocated);
        return new CaseResult(fuzzCase, outcome, time, allocated);
    }

    /// <summary>The process's peak resident set (VmHWM of /proc/self/status), or the current working set elsewhere.</summary>
    private static long PeakWorkingSetBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)
                    && long.TryParse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture, out var kib))
                {
                    return kib * 1024;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return Environment.WorkingSet;
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private sealed record CaseResult(FuzzCase Case, CaseOutcome Outcome, TimeSpan Time, long AllocatedBytes);

    private abstract record CaseOutcome
    {
        private CaseOutcome()
        {
        }

        public sealed record Finished(FuzzOutcome Outcome) : CaseOutcome;

        public sealed record Threw(Exception Exception) : CaseOutcome;

        public sealed record Hung : CaseOutcome;
    }
}
