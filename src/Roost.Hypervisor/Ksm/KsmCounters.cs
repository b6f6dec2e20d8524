using System.Globalization;

namespace Roost.Hypervisor.Ksm;

/// <summary>
/// Linux KSM's own counters (<c>/sys/kernel/mm/ksm</c>, Documentation/admin-guide/mm/ksm.rst), in pages of
/// <see cref="PageSizeBytes"/>. <see cref="PagesSharing"/> is how many more sites share the merged pages, i.e. the
/// pages saved; <see cref="GeneralProfit"/> and <see cref="ZeroPages"/> are null on kernels without them.
/// </summary>
public sealed record KsmCounters(
    long PagesShared,
    long PagesSharing,
    long PagesUnshared,
    long PagesVolatile,
    long FullScans,
    long? GeneralProfit,
    long? ZeroPages,
    int PageSizeBytes)
{
    /// <summary>The memory KSM saved by merging equal non-zero pages: <see cref="PagesSharing"/> pages.</summary>
    public long SavedBytes => PagesSharing * PageSizeBytes;

    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"pages_shared {PagesShared}, pages_sharing {PagesSharing}, pages_unshared {PagesUnshared}, pages_volatile {PagesVolatile}, full_scans {FullScans}"
        + $"{(GeneralProfit is { } p ? $", general_profit {p}" : "")}{(ZeroPages is { } z ? $", ksm_zero_pages {z}" : "")}");
}
