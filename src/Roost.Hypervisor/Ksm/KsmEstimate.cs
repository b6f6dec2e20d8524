using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Ksm;

/// <summary>
/// What Roost's page fingerprints say KSM will save for guests run together on one host, in pages: equal non-zero
/// pages within one guest (<see cref="WithinGuests"/>: non-zero pages − distinct contents, saved wherever the guest
/// runs, so Memory Buddies' placement does not credit them) plus equal pages across guests (<see cref="AcrossGuests"/>:
/// Σ distinct − distinct of the union, the sharing placement chooses). KSM's <c>pages_sharing</c> counts the same
/// thing for the pages it merged, zero pages apart when <c>use_zero_pages</c> is on.
/// </summary>
public sealed record KsmEstimate(long WithinGuests, long AcrossGuests)
{
    public long Total => WithinGuests + AcrossGuests;

    /// <summary>The estimate for <paramref name="guests"/> on one host; their fingerprints must be unsampled.</summary>
    public static KsmEstimate For(IReadOnlyList<GuestMemoryFingerprint> guests)
    {
        ArgumentNullException.ThrowIfNull(guests);
        if (guests.Count == 0)
        {
            return new KsmEstimate(0, 0);
        }

        if (guests.Any(g => g.Pages.Sampling.Shift != 0))
        {
            throw new ArgumentException("KSM's saving is estimated from unsampled fingerprints only", nameof(guests));
        }

        var within = guests.Sum(g => g.MemoryPages - g.Pages.ZeroPages - g.Pages.Count);
        var union = ExactFingerprint.Union([.. guests.Select(g => g.Pages)]).Count;
        return new KsmEstimate(within, guests.Sum(g => (long)g.Pages.Count) - union);
    }
}
