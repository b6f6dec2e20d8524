using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class BloomFingerprintTests
{
    [Fact]
    public void ForPages_DefaultIsEightBitsPerPageAndSixHashes()
    {
        var parameters = BloomParameters.ForPages(262_144);

        Assert.Equal(262_144 * 8, parameters.BitCount);
        Assert.Equal(6, parameters.HashCount);
        Assert.Equal(256 * 1024, parameters.SizeBytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void MightContain_HasNoFalseNegatives(int seed)
    {
        var pages = ExactFingerprintTests.RandomPages(new Random(seed), 5000, int.MaxValue);
        var filter = BloomFingerprint.FromPageHashes(pages, BloomParameters.ForPages(5000));

        Assert.All(pages, page => Assert.True(filter.MightContain(page), $"seed {seed}: {page:x16} missing"));
    }

    [Theory]
    [InlineData(1, 4.0)]
    [InlineData(2, 8.0)]
    [InlineData(3, 16.0)]
    public void FalsePositiveRate_MatchesFormula(int seed, double bitsPerPage)
    {
        var random = new Random(seed);
        var exact = new SyntheticPageSets(random, 1, 0, 0).NextVm(0, 0, 20_000);
        var parameters = BloomParameters.ForPages(exact.Count, bitsPerPage);
        var filter = BloomFingerprint.FromExact(exact, parameters);
        var strangers = new SyntheticPageSets(random, 1, 0, 0).NextVm(0, 0, 200_000);

        var observed = (double)strangers.Hashes.ToArray().Count(filter.MightContain) / strangers.Count;

        var expected = parameters.FalsePositiveRate(exact.Count);
        Assert.InRange(observed, expected * 0.8, (expected * 1.2) + 0.0005);
        Assert.InRange(filter.FalsePositiveRate, expected * 0.95, expected * 1.05);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Union_EqualsFingerprintOfTheUnionOfPages(int seed)
    {
        var random = new Random(seed);
        var parameters = BloomParameters.ForPages(10_000);
        var pageSets = Enumerable.Range(0, 4).Select(_ => ExactFingerprintTests.RandomPages(random, random.Next(0, 3000), 8000)).ToList();

        var union = BloomFingerprint.Union([.. pageSets.Select(p => BloomFingerprint.FromPageHashes(p, parameters))], parameters);
        var direct = BloomFingerprint.FromPageHashes(pageSets.SelectMany(p => p).ToArray(), parameters);

        Assert.True(direct.Words.SequenceEqual(union.Words), $"seed {seed}: OR of filters differs from filter of union");
        Assert.Equal(direct.ZeroBits, union.ZeroBits);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EstimatedDistinctPages_IsWithinOnePercent(int seed)
    {
        var exact = new SyntheticPageSets(new Random(seed), 1, 0, 0).NextVm(0, 0, 50_000);

        var filter = BloomFingerprint.FromExact(exact, BloomParameters.ForPages(60_000));

        Assert.InRange(filter.EstimatedDistinctPages, exact.Count * 0.99, exact.Count * 1.01);
    }

    [Fact]
    public void Union_OfDifferentParameters_Throws()
    {
        var a = BloomFingerprint.Empty(new BloomParameters(128, 2));
        var b = BloomFingerprint.Empty(new BloomParameters(256, 2));

        Assert.Throws<ArgumentException>(() => a.UnionWith(b));
        Assert.Throws<ArgumentException>(() => SharingEstimator.BloomBloom(a, b));
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(2, 192)]
    [InlineData(3, 320)]
    [InlineData(4, 4160)]
    [InlineData(5, 65_536)]
    public void ZeroBitsOfUnionWith_EqualsZeroBitsOfTheOr(int seed, long bits)
    {
        var random = new Random(seed);
        var parameters = new BloomParameters(bits, 2);
        var a = BloomFingerprint.FromPageHashes(ExactFingerprintTests.RandomPages(random, (int)(bits / 3), int.MaxValue), parameters);
        var b = BloomFingerprint.FromPageHashes(ExactFingerprintTests.RandomPages(random, (int)(bits / 5), int.MaxValue), parameters);

        var zeroBits = a.ZeroBitsOfUnionWith(b);

        var or = a.Words.ToArray().Zip(b.Words.ToArray(), (x, y) => x | y).Sum(w => 64 - System.Numerics.BitOperations.PopCount(w));
        Assert.Equal(or, zeroBits);
        Assert.Equal(a.UnionWith(b).ZeroBits, zeroBits);
    }
}
