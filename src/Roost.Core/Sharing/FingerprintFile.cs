using System.Buffers.Binary;
using System.IO.Hashing;

namespace Roost.Core.Sharing;

/// <summary>
/// The binary form of a fingerprint, for the agent to send and the controller to store. Pure: bytes in, bytes out.
/// </summary>
/// <remarks>
/// Layout, little-endian:
/// <code>
///  0  4  magic "RSFP"
///  4  2  version (1)
///  6  1  kind: 1 = exact hash list, 2 = Bloom filter
///  7  1  sampling shift (0..16)
///  8  8  zero pages
/// 16  8  exact: number of hashes n; Bloom: bit count m (a multiple of 64)
/// 24  4  Bloom: hash count k; exact: 0
/// 28  4  reserved, 0
/// 32  …  exact: n × u64 hashes, strictly ascending; Bloom: m/64 × u64 words
///  …  8  XxHash3-64 of every byte before it
/// </code>
/// An exact list of a 1 GiB VM is about 2 MiB; a Bloom filter is m/8 bytes whatever it holds. Reading allocates no
/// more than the bytes given: a declared size is believed only when the payload carries exactly that many bytes, and
/// header values that would overflow a count (zero pages beyond <see cref="MaxZeroPages"/>) are refused.
/// </remarks>
public static class FingerprintFile
{
    public const int HeaderBytes = 32;

    public const int ChecksumBytes = 8;

    public const ushort Version = 1;

    /// <summary>
    /// Most zero pages a fingerprint may declare: 2^40 pages, 4 PiB of RAM. Far beyond any VM, and low enough that the
    /// zero-page sums of unions (host fingerprints) cannot overflow.
    /// </summary>
    public const long MaxZeroPages = 1L << 40;

    private const byte ExactKind = 1;

    private const byte BloomKind = 2;

    private static ReadOnlySpan<byte> Magic => "RSFP"u8;

    public static byte[] Write(ExactFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var bytes = new byte[HeaderBytes + (fingerprint.Count * 8L) + ChecksumBytes];
        WriteHeader(bytes, ExactKind, fingerprint.Sampling, fingerprint.ZeroPages, fingerprint.Count, 0);
        WriteWords(bytes.AsSpan(HeaderBytes), fingerprint.Hashes);
        WriteChecksum(bytes);
        return bytes;
    }

    public static byte[] Write(BloomFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var bytes = new byte[HeaderBytes + fingerprint.Parameters.SizeBytes + ChecksumBytes];
        WriteHeader(bytes, BloomKind, fingerprint.Sampling, fingerprint.ZeroPages, fingerprint.Parameters.BitCount, fingerprint.Parameters.HashCount);
        WriteWords(bytes.AsSpan(HeaderBytes), fingerprint.Words);
        WriteChecksum(bytes);
        return bytes;
    }

    /// <summary>Reads either kind of fingerprint, refusing anything malformed or corrupt with one line saying why.</summary>
    public static FingerprintReadResult Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < HeaderBytes + ChecksumBytes)
        {
            return new FingerprintReadResult.Refused($"truncated: {bytes.Length} bytes, shorter than the {HeaderBytes + ChecksumBytes}-byte header and checksum");
        }

        if (!bytes[..4].SequenceEqual(Magic))
        {
            return new FingerprintReadResult.Refused("not a Roost fingerprint (magic is not 'RSFP')");
        }

        var version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != Version)
        {
            return new FingerprintReadResult.Refused($"fingerprint format version {version} is not supported (expected {Version})");
        }

        var body = bytes[..^ChecksumBytes];
        var stored = BinaryPrimitives.ReadUInt64LittleEndian(bytes[^ChecksumBytes..]);
        var actual = XxHash3.HashToUInt64(body);
        if (stored != actual)
        {
            return new FingerprintReadResult.Refused($"corrupt: checksum {actual:x16} does not match the stored {stored:x16}");
        }

        var kind = bytes[6];
        var shift = bytes[7];
        var zeroPages = BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]);
        var size = BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]);
        var hashCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[24..]);
        var payload = body[HeaderBytes..];
        if (shift > HashSampling.MaxShift)
        {
            return new FingerprintReadResult.Refused($"sampling shift {shift} is out of range 0..{HashSampling.MaxShift}");
        }

        if (zeroPages < 0 || size < 0)
        {
            return new FingerprintReadResult.Refused($"negative size in header (zero pages {zeroPages}, size {size})");
        }

        if (zeroPages > MaxZeroPages)
        {
            return new FingerprintReadResult.Refused($"zero pages {zeroPages} is more than the {MaxZeroPages} (4 PiB) a fingerprint may declare");
        }

        var sampling = new HashSampling(shift);
        return kind switch
        {
            ExactKind => ReadExact(payload, size, zeroPages, sampling),
            BloomKind => ReadBloom(payload, size, hashCount, zeroPages, sampling),
            _ => new FingerprintReadResult.Refused($"unknown fingerprint kind {kind} (1 = exact list, 2 = Bloom filter)"),
        };
    }

    /// <summary>
    /// Reads a Bloom fingerprint that must match the data center's <paramref name="expected"/> parameters and sampling;
    /// a fingerprint of another size or hash count is refused (it could not be OR-ed or compared).
    /// </summary>
    public static FingerprintReadResult ReadBloom(ReadOnlySpan<byte> bytes, BloomParameters expected, HashSampling expectedSampling = default)
    {
        var result = Read(bytes);
        return result switch
        {
            FingerprintReadResult.Bloom { Fingerprint: var f } when f.Parameters != expected =>
                new FingerprintReadResult.Refused($"Bloom fingerprint has {f.Parameters}; expected {expected}"),
            FingerprintReadResult.Bloom { Fingerprint: var f } when f.Sampling != expectedSampling =>
                new FingerprintReadResult.Refused($"Bloom fingerprint samples {f.Sampling}; expected {expectedSampling}"),
            FingerprintReadResult.Exact => new FingerprintReadResult.Refused("expected a Bloom fingerprint, found an exact hash list"),
            _ => result,
        };
    }

    private static FingerprintReadResult ReadExact(ReadOnlySpan<byte> payload, long count, long zeroPages, HashSampling sampling)
    {
        // Compared in hashes, not bytes: count · 8 overflows for a count the header can declare.
        if (payload.Length % 8 != 0 || count != payload.Length / 8)
        {
            return new FingerprintReadResult.Refused($"exact list declares {count} hashes but carries {payload.Length} bytes ({payload.Length / 8.0} hashes)");
        }

        var hashes = new ulong[count];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = BinaryPrimitives.ReadUInt64LittleEndian(payload[(i * 8)..]);
            if (i > 0 && hashes[i] <= hashes[i - 1])
            {
                return new FingerprintReadResult.Refused($"exact list is not strictly ascending at hash {i}");
            }

            if (!sampling.Includes(hashes[i]))
            {
                return new FingerprintReadResult.Refused($"hash {i} lies outside the declared sample ({sampling})");
            }
        }

        return new FingerprintReadResult.Exact(ExactFingerprint.FromSortedUnique(hashes, zeroPages, sampling));
    }

    private static FingerprintReadResult ReadBloom(ReadOnlySpan<byte> payload, long bitCount, int hashCount, long zeroPages, HashSampling sampling)
    {
        if (bitCount < 64 || bitCount > BloomParameters.MaxBitCount || bitCount % 64 != 0)
        {
            return new FingerprintReadResult.Refused($"Bloom size {bitCount} bits is not a multiple of 64 in 64..{BloomParameters.MaxBitCount}");
        }

        if (hashCount is < 1 or > BloomParameters.MaxHashCount)
        {
            return new FingerprintReadResult.Refused($"Bloom hash count {hashCount} is out of range 1..{BloomParameters.MaxHashCount}");
        }

        if (payload.Length != bitCount / 8)
        {
            return new FingerprintReadResult.Refused($"Bloom filter declares {bitCount} bits but carries {payload.Length} bytes (expected {bitCount / 8})");
        }

        var words = new ulong[bitCount / 64];
        for (var i = 0; i < words.Length; i++)
        {
            words[i] = BinaryPrimitives.ReadUInt64LittleEndian(payload[(i * 8)..]);
        }

        return new FingerprintReadResult.Bloom(BloomFingerprint.FromWords(new BloomParameters(bitCount, hashCount), sampling, words, zeroPages));
    }

    private static void WriteHeader(Span<byte> bytes, byte kind, HashSampling sampling, long zeroPages, long size, int hashCount)
    {
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes[4..], Version);
        bytes[6] = kind;
        bytes[7] = (byte)sampling.Shift;
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], zeroPages);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[16..], size);
        BinaryPrimitives.WriteInt32LittleEndian(bytes[24..], hashCount);
    }

    private static void WriteWords(Span<byte> destination, ReadOnlySpan<ulong> words)
    {
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(i * 8)..], words[i]);
        }
    }

    private static void WriteChecksum(byte[] bytes) =>
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - ChecksumBytes), XxHash3.HashToUInt64(bytes.AsSpan(0, bytes.Length - ChecksumBytes)));
}
