using Roost.Core.Model;
using Roost.Core.Sharing;

namespace Roost.Controller.Drivers;

/// <summary>
/// The page fingerprints a driver holds (Memory Buddies, Wood et al., VEE 2009): of each running VM it has read, and
/// the latest of each guest image, which stands for a VM of that image not booted yet (a guest's content is a property
/// of its image: docs/experiments/ksm-sharing.md). Immutable; the simulated driver has none.
/// </summary>
public sealed record GuestFingerprints(IReadOnlyDictionary<VmId, ExactFingerprint> Vms, IReadOnlyDictionary<string, ExactFingerprint> Images)
{
    public static GuestFingerprints None { get; } = new(new Dictionary<VmId, ExactFingerprint>(), new Dictionary<string, ExactFingerprint>(StringComparer.Ordinal));

    /// <summary>The VM's own fingerprint, else its image's, else null.</summary>
    public ExactFingerprint? For(VmId vm, string? image) =>
        Vms.TryGetValue(vm, out var own) ? own
        : image is not null && Images.TryGetValue(image, out var shared) ? shared
        : null;
}
