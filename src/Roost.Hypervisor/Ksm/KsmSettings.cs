namespace Roost.Hypervisor.Ksm;

/// <summary>
/// The KSM knobs Roost sets (<c>/sys/kernel/mm/ksm</c>): <see cref="Run"/> (0 stop, 1 run, 2 stop and unmerge all),
/// pages scanned per wake-up, the sleep between wake-ups, whether empty pages are merged with the kernel's zero page
/// (then counted in <c>ksm_zero_pages</c>, not <c>pages_sharing</c>) and whether ksmd skips pages that did not merge
/// in earlier scans. The last two are null on kernels without them.
/// </summary>
public sealed record KsmSettings(int Run, int PagesToScan, int SleepMilliseconds, int? UseZeroPages, int? SmartScan)
{
    /// <summary>
    /// For an experiment: run, scan fast (10,000 pages every 10 ms: about 4 GB/s of guest RAM at most, so a few full
    /// scans of a small fleet take seconds), zero pages apart (so <c>pages_sharing</c> counts non-zero pages, as Roost's
    /// fingerprints do), every page every scan.
    /// </summary>
    public static KsmSettings Experiment { get; } = new(1, 10_000, 10, 1, 0);
}
