using System.Buffers.Binary;
using System.IO.Hashing;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class FingerprintFileTests
{
    private static BloomParameters Parameters { get; } = new(4096, 3);

    [Fact]
    public void ExactFingerprint_RoundTrips()
    {
        var fingerprint = ExactFingerprint.FromPageHashes([40, 8, 16, 8], zeroPages: 12, sampling: new HashSampling(3));

        var result = FingerprintFile.Read(FingerprintFile.Write(fingerprint));

        var read = Assert.IsType<FingerprintReadResult.Exact>(result).Fingerprint;
        Assert.Equal(fingerprint.Hashes.ToArray(), read.Hashes.ToArray());
        Assert.Equal(12, read.ZeroPages);
        Assert.Equal(new HashSampling(3), read.Sampling);
    }

    [Fact]
    public void BloomFingerprint_RoundTrips()
    {
        var fingerprint = BloomFingerprint.FromPageHashes([1, 2, 3, 99], Parameters, zeroPages: 5);

        var result = FingerprintFile.ReadBloom(FingerprintFile.Write(fingerprint), Parameters);

        var read = Assert.IsType<FingerprintReadResult.Bloom>(result).Fingerprint;
        Assert.Equal(fingerprint.Words.ToArray(), read.Words.ToArray());
        Assert.Equal(Parameters, read.Parameters);
        Assert.Equal(5, read.ZeroPages);
        Assert.Equal(fingerprint.ZeroBits, read.ZeroBits);
    }

    [Fact]
    public void Write_LayoutIsHeaderPayloadChecksum()
    {
        var bytes = FingerprintFile.Write(BloomFingerprint.Empty(Parameters));

        Assert.Equal(FingerprintFile.HeaderBytes + (4096 / 8) + FingerprintFile.ChecksumBytes, bytes.Length);
        Assert.Equal("RSFP"u8.ToArray(), bytes[..4]);
    }

    [Theory]
    [InlineData(8192, 3, "8192 bits, 3 hashes; expected 4096 bits, 3 hashes")]
    [InlineData(4096, 5, "4096 bits, 5 hashes; expected 4096 bits, 3 hashes")]
    public void ReadBloom_OtherSizeOrHashCount_IsRefusedNamingBoth(long bits, int hashes, string expected)
    {
        var bytes = FingerprintFile.Write(BloomFingerprint.Empty(new BloomParameters(bits, hashes)));

        var refused = Assert.IsType<FingerprintReadResult.Refused>(FingerprintFile.ReadBloom(bytes, Parameters));

        Assert.Contains(expected, refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBloom_OtherSampling_IsRefused()
    {
        var bytes = FingerprintFile.Write(BloomFingerprint.Empty(Parameters, new HashSampling(4)));

        var refused = Assert.IsType<FingerprintReadResult.Refused>(FingerprintFile.ReadBloom(bytes, Parameters));

        Assert.Contains("1 page in 16", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBloom_ExactList_IsRefused()
    {
        var bytes = FingerprintFile.Write(ExactFingerprint.FromPageHashes([1, 2]));

        var refused = Assert.IsType<FingerprintReadResult.Refused>(FingerprintFile.ReadBloom(bytes, Parameters));

        Assert.Contains("exact hash list", refused.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Read_AnyFlippedByte_IsRefused(int seed)
    {
        var random = new Random(seed);
        var bytes = FingerprintFile.Write(BloomFingerprint.FromPageHashes([5, 6, 7], Parameters));
        var index = random.Next(bytes.Length);
        bytes[index] ^= (byte)random.Next(1, 256);

        var result = FingerprintFile.Read(bytes);

        Assert.True(result is FingerprintReadResult.Refused, $"seed {seed}: flipping byte {index} was not noticed");
    }

    [Fact]
    public void Read_CorruptPayload_NamesTheChecksum()
    {
        var bytes = FingerprintFile.Write(ExactFingerprint.FromPageHashes([1, 2, 3]));
        bytes[FingerprintFile.HeaderBytes + 3] ^= 0x10;

        var refused = Assert.IsType<FingerprintReadResult.Refused>(FingerprintFile.Read(bytes));

        Assert.StartsWith("corrupt: checksum", refused.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Reason);
    }

    [Theory]
    [InlineData(0, "truncated")]
    [InlineData(39, "truncated")]
    public void Read_Truncated_IsRefused(int length, string expected)
    {
        var bytes = FingerprintFile.Write(ExactFingerprint.FromPageHashes([1]));

        var refused = Assert.IsType<FingerprintReadResult.Refused>(FingerprintFile.Read(bytes.AsSpan(0, length)));

        Assert.StartsWith(expected, refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NotAFingerprint_IsRefused()
    {
        var bytes = new byte[64];
        "PK\u0003\u0004"u8.CopyTo(bytes);

        var refused = Assert.IsType<FingerprintReadResult.Refused>(FingerprintFile.Read(bytes));

        Assert.Contains("not a Roost fingerprint", refused.Reason, StringComparison.Ordinal);
    }

    /// <summary>A count whose byte size overflows (count · 8 wraps) once ended in an OverflowException, not a refusal.</summary>
    [Theory]
    [InlineData(1L << 61)]
    [InlineData(long.MaxValue)]
    [InlineData((1L << 61) + 1)]
    public void Read_HashCountThatOverflowsInBytes_IsRefused(long count)
    {
        var bytes = FingerprintFile.Write(ExactFingerprint.FromPageHashes([8, 16]));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), count);
        Checksum(bytes);

        var result = FingerprintFile.Read(bytes);

        var refused = Assert.IsType<FingerprintReadResult.Refused>(result);
        Assert.StartsWith($"exact list declares {count} hashes but carries 16 bytes", refused.Reason, StringComparison.Ordinal);
    }

    /// <summary>Zero pages near long.MaxValue read once, then overflowed the checked sum of a union (a host's fingerprint).</summary>
    [Fact]
    public void Read_ZeroPagesBeyondTheLimit_IsRefused()
    {
        var bytes = FingerprintFile.Write(ExactFingerprint.FromPageHashes([8, 16]));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), long.MaxValue);
        Checksum(bytes);

        var result = FingerprintFile.Read(bytes);

        Assert.Equal(
            $"zero pages {long.MaxValue} is more than the {FingerprintFile.MaxZeroPages} (4 PiB) a fingerprint may declare",
            Assert.IsType<FingerprintReadResult.Refused>(result).Reason);
    }

    [Fact]
    public void Read_ZeroPagesAtTheLimit_UnionOfManyDoesNotOverflow()
    {
        var bytes = FingerprintFile.Write(ExactFingerprint.FromPageHashes([8, 16], zeroPages: FingerprintFile.MaxZeroPages));
        var read = Assert.IsType<FingerprintReadResult.Exact>(FingerprintFile.Read(bytes)).Fingerprint;

        var union = ExactFingerprint.Union(Enumerable.Repeat(read, 1000).ToList());

        Assert.Equal(1000 * FingerprintFile.MaxZeroPages, union.ZeroPages);
    }

    private static void Checksum(byte[] bytes) =>
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), XxHash3.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)));
}
