namespace Roost.Core.Sharing;

/// <summary>The memory a set of co-located VMs really occupies once identical pages are shared.</summary>
public static class SharingFootprint
{
    /// <summary>
    /// Σ memory − (Σ distinct pages − distinct pages of the union): each page content present in several VMs is stored
    /// once. Conservative: sharing within one VM and zero pages are not credited (they are saved wherever the VM runs,
    /// so they never change a placement). Exact when the fingerprints are unsampled.
    /// </summary>
    public static long ExactUsedPages(IReadOnlyList<SharingVm> vms)
    {
        ArgumentNullException.ThrowIfNull(vms);
        if (vms.Count == 0)
        {
            return 0;
        }

        var allocated = vms.Sum(vm => vm.MemoryPages);
        var separate = vms.Sum(vm => vm.Pages.EstimatedDistinctPages);
        var union = ExactFingerprint.Union([.. vms.Select(vm => vm.Pages)], vms[0].Pages.Sampling).EstimatedDistinctPages;
        return allocated - (separate - union);
    }
}
