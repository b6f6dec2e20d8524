using Roost.Core.Sharing;

namespace Roost.Simulation.Sharing;

/// <summary>
/// One image profile's measured guests: for each, its profile content (sampled hashes another guest of the profile
/// also holds) and how many of its sampled pages were its own.
/// </summary>
public sealed record MeasuredProfile(string Name, IReadOnlyList<ExactFingerprint> Content, IReadOnlyList<int> OwnPages)
{
    internal static MeasuredProfile From(string name, IReadOnlyList<ExactFingerprint> guests)
    {
        var content = new List<ExactFingerprint>();
        var own = new List<int>();
        for (var i = 0; i < guests.Count; i++)
        {
            var others = ExactFingerprint.Union([.. guests.Where((_, j) => j != i)], guests[i].Sampling);
            var kept = new List<ulong>();
            foreach (var hash in guests[i].Hashes)
            {
                if (others.Contains(hash))
                {
                    kept.Add(hash);
                }
            }

            content.Add(ExactFingerprint.FromPageHashes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(kept), 0, guests[i].Sampling));
            own.Add(guests[i].Count - kept.Count);
        }

        return new MeasuredProfile(name, content, own);
    }
}
