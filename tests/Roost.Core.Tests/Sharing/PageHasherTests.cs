using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class PageHasherTests
{
    [Fact]
    public void HashPages_CountsZeroPagesApartAndHashesTheRest()
    {
        var memory = new byte[5 * PageHasher.PageSizeBytes];
        memory[(1 * PageHasher.PageSizeBytes) + 7] = 1;
        memory[(3 * PageHasher.PageSizeBytes) + 7] = 1;
        memory[(4 * PageHasher.PageSizeBytes) + 4095] = 2;
        var hashes = new ulong[5];

        var written = PageHasher.HashPages(memory, hashes, out var zeroPages);

        Assert.Equal(3, written);
        Assert.Equal(2, zeroPages);
        Assert.Equal(hashes[0], hashes[1]);
        Assert.NotEqual(hashes[0], hashes[2]);
    }

    [Fact]
    public void Fingerprint_IdenticalPagesCountOnce_PartialPageIgnored()
    {
        var memory = new byte[(3 * PageHasher.PageSizeBytes) + 100];
        memory.AsSpan().Fill(9);

        var fingerprint = PageHasher.Fingerprint(memory);

        Assert.Equal(1, fingerprint.Count);
        Assert.Equal(0, fingerprint.ZeroPages);
        Assert.Equal(PageHasher.HashPage(memory.AsSpan(0, PageHasher.PageSizeBytes)), fingerprint.Hashes[0]);
    }

    [Fact]
    public void HashPages_DestinationTooSmall_Throws()
    {
        var memory = new byte[2 * PageHasher.PageSizeBytes];

        Assert.Throws<ArgumentException>(() => PageHasher.HashPages(memory, new ulong[1], out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Fingerprint_SampledKeepsExactlyTheIncludedHashes(int seed)
    {
        var random = new Random(seed);
        var memory = new byte[512 * PageHasher.PageSizeBytes];
        random.NextBytes(memory);
        var sampling = new HashSampling(2);

        var all = PageHasher.Fingerprint(memory);
        var sampled = PageHasher.Fingerprint(memory, sampling);

        Assert.Equal(all.Hashes.ToArray().Where(sampling.Includes).ToArray(), sampled.Hashes.ToArray());
        Assert.InRange(sampled.Count, 64, 192);
    }
}
