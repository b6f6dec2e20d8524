namespace Roost.Hypervisor.Agent;

/// <summary>
/// What a destination agent offers its relay as content it already holds, so the source's relay may send those pages
/// as keyed digests (CloudNet's redundancy elimination against the destination; Memory Buddies' sharing). The pinned
/// pages' digests go to the source, which holds the migration's secret: see docs/security.md, "What a destination's
/// pinned pages tell the source".
/// </summary>
public enum MigrationPins
{
    /// <summary>Nothing: only pages sent earlier in the same migration are deduplicated.</summary>
    Off,

    /// <summary>The guest image's kernel and initrd (public files every agent of the image holds; the default).</summary>
    Image,

    /// <summary>
    /// The image and the RAM of this agent's running guests (opt-in: the source learns which of its guessed pages a
    /// resident holds). Guests with mergeable memory (no RAM file) are skipped.
    /// </summary>
    Residents,
}
