using Roost.Core.Model;

namespace Roost.Core.Sharing;

/// <summary>
/// A VM as the sharing planners see it: its demands and its memory fingerprint. <see cref="MemoryPages"/> is the
/// memory it is given (4 KiB pages); <see cref="Pages"/> its distinct non-zero contents; <see cref="Filter"/> the same
/// as a Bloom filter with the data center's parameters (needed for <see cref="SharingEstimateKind.BloomBloom"/>).
/// </summary>
public sealed record SharingVm(VmId Id, double CpuCores, double NetworkMbps, long MemoryPages, ExactFingerprint Pages, BloomFingerprint? Filter = null)
{
    /// <summary>The most pages this VM could share anywhere: its distinct non-zero contents, at most its memory.</summary>
    public double MaxSharedPages => Math.Min(Pages.EstimatedDistinctPages, MemoryPages);

    /// <summary>This VM with a Bloom filter built from its hash list.</summary>
    public SharingVm WithFilter(BloomParameters parameters) => this with { Filter = BloomFingerprint.FromExact(Pages, parameters) };
}
