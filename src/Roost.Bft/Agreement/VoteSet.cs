using System.Numerics;

namespace Roost.Bft.Agreement;

/// <summary>Votes (prepares or commits) for one (view, digest) of a slot, as a bit mask of replica indices (n ≤ 64).</summary>
internal sealed class VoteSet
{
    public VoteSet(long view, Digest digest)
    {
        View = view;
        Digest = digest;
    }

    public long View { get; }

    public Digest Digest { get; }

    public ulong Mask { get; private set; }

    public int Count => BitOperations.PopCount(Mask);

    /// <summary>Adds a vote; false if this replica had already voted.</summary>
    public bool Add(int replica)
    {
        var bit = 1UL << replica;
        if ((Mask & bit) != 0)
        {
            return false;
        }

        Mask |= bit;
        return true;
    }

    public bool Has(int replica) => (Mask & (1UL << replica)) != 0;

    public int CountExcluding(int replica) => BitOperations.PopCount(Mask & ~(1UL << replica));
}
