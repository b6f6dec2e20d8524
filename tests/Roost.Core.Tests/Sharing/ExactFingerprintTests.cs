using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class ExactFingerprintTests
{
    [Fact]
    public void FromPageHashes_SortsAndRemovesRepeats()
    {
        var fingerprint = ExactFingerprint.FromPageHashes([5, 3, 5, 1, 3], zeroPages: 2);

        Assert.Equal([1UL, 3, 5], fingerprint.Hashes.ToArray());
        Assert.Equal(2, fingerprint.ZeroPages);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Union_EqualsFingerprintOfTheUnionOfPages(int seed)
    {
        var random = new Random(seed);
        var pageSets = Enumerable.Range(0, 5).Select(_ => RandomPages(random, random.Next(0, 2000), valueRange: 5000)).ToList();

        var union = ExactFingerprint.Union([.. pageSets.Select(p => ExactFingerprint.FromPageHashes(p))]);
        var pairwise = pageSets.Select(p => ExactFingerprint.FromPageHashes(p)).Aggregate((a, b) => a.UnionWith(b));
        var direct = ExactFingerprint.FromPageHashes(pageSets.SelectMany(p => p).ToArray());

        Assert.True(direct.Hashes.SequenceEqual(union.Hashes), $"seed {seed}: k-way union differs");
        Assert.True(direct.Hashes.SequenceEqual(pairwise.Hashes), $"seed {seed}: pairwise union differs");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void IntersectionCount_MatchesSetIntersection(int seed)
    {
        var random = new Random(seed);
        var a = RandomPages(random, 3000, valueRange: 6000);
        var b = RandomPages(random, 3000, valueRange: 6000);

        var count = ExactFingerprint.FromPageHashes(a).IntersectionCount(ExactFingerprint.FromPageHashes(b));

        Assert.Equal(a.ToHashSet().Intersect(b).Count(), count);
    }

    [Fact]
    public void IntersectionCount_DifferentSampling_Throws()
    {
        var a = ExactFingerprint.FromPageHashes([4, 8]);
        var b = ExactFingerprint.FromPageHashes([4, 8], sampling: new HashSampling(2));

        Assert.Throws<ArgumentException>(() => a.IntersectionCount(b));
    }

    internal static ulong[] RandomPages(Random random, int count, int valueRange) =>
        [.. Enumerable.Range(0, count).Select(_ => unchecked((ulong)random.Next(1, valueRange) * 0x9E3779B97F4A7C15))];
}
