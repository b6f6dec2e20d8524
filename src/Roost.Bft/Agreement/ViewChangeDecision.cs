using Roost.Bft.Messages;

namespace Roost.Bft.Agreement;

/// <summary>
/// The new primary's decision procedure, from the view-change messages it collected (Castro, "Practical Byzantine
/// Fault Tolerance", PhD thesis, MIT 2001, §3.2.4: the decision for BFT with MACs, where P and Q come without proofs).
/// It tolerates f view-change messages that lie, so prepared certificates need not be signed; only the view-change
/// messages themselves are, so every backup can rerun this function on the same set and check the primary.
/// <list type="bullet">
/// <item>Checkpoint: the highest (n, d) with 2f+1 messages whose stable checkpoint is ≤ n and f+1 that hold (n, d).</item>
/// <item>Slot s above it takes digest d from some (s, d, v) in a P set when (A1) 2f+1 messages have a stable checkpoint
/// below s and no P entry for s of a higher view or of the same view with another digest, and (A2) f+1 messages
/// pre-prepared d at s in view v or later.</item>
/// <item>Otherwise it takes the null request when (B) 2f+1 messages have a stable checkpoint below s and no P entry for s.</item>
/// <item>If some slot up to the highest prepared one satisfies neither, the set is not enough yet: wait for more.</item>
/// </list>
/// </summary>
internal static class ViewChangeDecision
{
    public sealed record Result(CheckpointEntry Checkpoint, long MaxSequence, IReadOnlyList<(long Sequence, Digest Digest)> Slots);

    public static Result? Decide(IReadOnlyList<ViewChange> set, int f, int window)
    {
        var quorum = 2 * f + 1;
        if (set.Count < quorum)
        {
            return null;
        }

        // Checkpoint selection (HA1, HA2).
        CheckpointEntry? chosen = null;
        foreach (var candidate in set.SelectMany(m => m.Checkpoints).Distinct())
        {
            if (chosen is { } c && (candidate.Sequence < c.Sequence || (candidate.Sequence == c.Sequence && candidate.State.CompareTo(c.State) >= 0)))
            {
                continue;
            }

            var below = set.Count(m => m.StableSequence <= candidate.Sequence);
            var holding = set.Count(m => m.Checkpoints.Contains(candidate));
            if (below >= quorum && holding >= f + 1)
            {
                chosen = candidate;
            }
        }

        if (chosen is not { } checkpoint)
        {
            return null;
        }

        var h = checkpoint.Sequence;
        var maxPrepared = set.SelectMany(m => m.Prepared).Where(e => e.Sequence > h && e.Sequence <= h + window)
            .Select(e => e.Sequence).DefaultIfEmpty(h).Max();
        var slots = new List<(long, Digest)>();
        for (var s = h + 1; s <= maxPrepared; s++)
        {
            var decided = DecidePrepared(set, s, f);
            if (decided is { } digest)
            {
                slots.Add((s, digest));
                continue;
            }

            var withoutEntry = set.Count(m => m.StableSequence < s && !m.Prepared.Any(e => e.Sequence == s));
            if (withoutEntry >= quorum)
            {
                slots.Add((s, Batch.Empty.Digest));
                continue;
            }

            return null;
        }

        return new Result(checkpoint, maxPrepared, slots);
    }

    private static Digest? DecidePrepared(IReadOnlyList<ViewChange> set, long s, int f)
    {
        SlotEntry? best = null;
        foreach (var candidate in set.SelectMany(m => m.Prepared).Where(e => e.Sequence == s).Distinct())
        {
            var a1 = set.Count(m => m.StableSequence < s
                && m.Prepared.All(e => e.Sequence != s || e.View < candidate.View || (e.View == candidate.View && e.Digest == candidate.Digest)));
            if (a1 < 2 * f + 1)
            {
                continue;
            }

            var a2 = set.Count(m => m.PrePrepared.Any(e => e.Sequence == s && e.Digest == candidate.Digest && e.View >= candidate.View));
            if (a2 < f + 1)
            {
                continue;
            }

            if (best is not { } b || candidate.View > b.View || (candidate.View == b.View && candidate.Digest.CompareTo(b.Digest) < 0))
            {
                best = candidate;
            }
        }

        return best?.Digest;
    }
}
