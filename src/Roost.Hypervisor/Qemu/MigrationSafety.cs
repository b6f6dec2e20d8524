namespace Roost.Hypervisor.Qemu;

/// <summary>
/// Whether a QEMU can live-migrate a guest without losing its writes. Under TCG, QEMU before 9.0 clears the migration
/// dirty bitmap without resetting the vCPUs' TLB write entries (QEMU commit 03bfc2188f, "physmem: Fix migration dirty
/// bitmap coherency with TCG memory access", first in 9.0), so stores through a cached TLB entry go unrecorded and the
/// destination keeps an older copy of the page: measured with QEMU 7.2, hundreds of stale pages and kernel panics per
/// few migrations of a writing guest, in pre-copy and post-copy alike (docs/experiments/guest-integrity.md). KVM
/// tracks dirty pages in the host kernel and is not affected.
/// </summary>
public static class MigrationSafety
{
    /// <summary>The first QEMU whose TCG dirty tracking is sound for live migration.</summary>
    public static Version FixedIn { get; } = new(9, 0);

    /// <summary>Null when <paramref name="version"/> under <paramref name="accelerator"/> migrates safely, else one line why not.</summary>
    public static string? Refusal(Accelerator accelerator, Version version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return accelerator == Accelerator.Tcg && version < FixedIn
            ? $"QEMU {version} under TCG loses guest writes during live migration (fixed in QEMU {FixedIn.ToString(2)}, "
                + "commit 03bfc2188f); install qemu-system-x86 9.0 or later (on Debian 12: from bookworm-backports)"
            : null;
    }
}
