using System.Buffers.Binary;
using System.IO.Hashing;
using Roost.Core.Sharing;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// Fingerprint files (<see cref="FingerprintFile"/>, bytes in): valid exact lists and Bloom filters whose header fields
/// are overwritten with extreme values (counts that overflow when multiplied, negative sizes, unknown kinds and
/// versions) and whose checksum is then recomputed, so the checks behind the checksum are reached; or whose bytes are
/// mutated, truncated or extended. Accepted fingerprints are also estimated against themselves and unioned.
/// </summary>
public sealed class FingerprintFuzzTarget : ReaderFuzzTarget
{
    private static readonly long[] _hostileLongs =
    [
        0, 1, -1, long.MaxValue, long.MinValue, 1L << 61, (1L << 61) + 1, 1L << 62, 1L << 32, int.MaxValue, 64, 65, 1L << 36,
        (1L << 36) + 64, FingerprintFile.MaxZeroPages, FingerprintFile.MaxZeroPages + 1,
    ];

    public override string Name => "fingerprint";

    public override FuzzCase Prepare(Random random, string scratch)
    {
        ArgumentNullException.ThrowIfNull(random);
        var bloom = random.Next(10) < 3;
        var bytes = bloom ? FingerprintFile.Write(ValidBloom(random)) : FingerprintFile.Write(ValidExact(random));
        string description;
        var roll = random.Next(100);
        if (roll < 45)
        {
            description = OverwriteHeader(random, bytes);
            if (random.Next(5) != 0)
            {
                FixChecksum(bytes);
                description += ", checksum recomputed";
            }
        }
        else if (roll < 80)
        {
            bytes = InputMutator.Mutate(random, bytes);
            description = "bytes mutated";
            if (random.Next(2) == 0 && bytes.Length >= FingerprintFile.HeaderBytes + FingerprintFile.ChecksumBytes)
            {
                FixChecksum(bytes);
                description += ", checksum recomputed";
            }
        }
        else if (roll < 90)
        {
            var cut = random.Next(bytes.Length + 64);
            bytes = cut <= bytes.Length ? bytes[..cut] : [.. bytes, .. new byte[cut - bytes.Length]];
            description = $"resized to {cut} bytes";
            if (bytes.Length >= FingerprintFile.HeaderBytes + FingerprintFile.ChecksumBytes)
            {
                FixChecksum(bytes);
            }
        }
        else
        {
            description = "valid";
        }

        var expected = bloom && random.Next(2) == 0;
        return new FuzzCase($"{(bloom ? "Bloom" : "exact")}: {description}", bytes.Length, () => Run(bytes, expected));
    }

    internal static ExactFingerprint ValidExact(Random random, int shift = -1)
    {
        var sampling = new HashSampling(shift >= 0 ? shift : random.Next(7));
        var hashes = new ulong[random.Next(2000)];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = (ulong)random.NextInt64() << sampling.Shift;
        }

        return ExactFingerprint.FromPageHashes(hashes, random.Next(100_000), sampling);
    }

    private static BloomFingerprint ValidBloom(Random random) =>
        BloomFingerprint.FromExact(ValidExact(random), BloomParameters.ForPages(256 + random.Next(4096)));

    private static FuzzOutcome Run(byte[] bytes, bool expectBloom)
    {
        var result = expectBloom
            ? FingerprintFile.ReadBloom(bytes, BloomParameters.ForPages(1024))
            : FingerprintFile.Read(bytes);
        return result switch
        {
            FingerprintReadResult.Refused refused => new FuzzOutcome.Rejected(refused.Reason),
            FingerprintReadResult.Exact { Fingerprint: var f } => new FuzzOutcome.Accepted(Check(f)),
            FingerprintReadResult.Bloom { Fingerprint: var b } => new FuzzOutcome.Accepted(Check(b)),
            _ => new FuzzOutcome.Accepted("unknown result"),
        };
    }

    private static string? Check(ExactFingerprint fingerprint)
    {
        var shared = SharingEstimator.ListList(fingerprint, fingerprint);
        var union = ExactFingerprint.Union([fingerprint, fingerprint], fingerprint.Sampling);
        return double.IsFinite(shared) && union.Count == fingerprint.Count && fingerprint.EstimatedDistinctPages >= 0
            ? null
            : $"self-estimate {shared}, union {union.Count} of {fingerprint.Count}";
    }

    private static string? Check(BloomFingerprint fingerprint)
    {
        var shared = SharingEstimator.BloomBloom(fingerprint, fingerprint);
        var union = fingerprint.UnionWith(fingerprint);
        return double.IsFinite(fingerprint.FalsePositiveRate) && !double.IsNaN(shared) && union.ZeroBits == fingerprint.ZeroBits
            ? null
            : $"false-positive rate {fingerprint.FalsePositiveRate}, self-estimate {shared}";
    }

    /// <summary>Overwrites one header field (version, kind, shift, zero pages, size, hash count) with an extreme value.</summary>
    private static string OverwriteHeader(Random random, byte[] bytes)
    {
        var value = random.Next(3) == 0 ? random.NextInt64(long.MinValue, long.MaxValue) : _hostileLongs[random.Next(_hostileLongs.Length)];
        var span = bytes.AsSpan();
        var (asUshort, asByte, asInt) = unchecked(((ushort)value, (byte)value, (int)value));
        switch (random.Next(6))
        {
            case 0:
                BinaryPrimitives.WriteUInt16LittleEndian(span[4..], asUshort);
                return $"version {asUshort}";
            case 1:
                span[6] = asByte;
                return $"kind {asByte}";
            case 2:
                span[7] = asByte;
                return $"shift {asByte}";
            case 3:
                BinaryPrimitives.WriteInt64LittleEndian(span[8..], value);
                return $"zero pages {value}";
            case 4:
                BinaryPrimitives.WriteInt64LittleEndian(span[16..], value);
                return $"size {value}";
            default:
                BinaryPrimitives.WriteInt32LittleEndian(span[24..], asInt);
                return $"hash count {asInt}";
        }
    }

    private static void FixChecksum(byte[] bytes)
    {
        var body = bytes.AsSpan(0, bytes.Length - FingerprintFile.ChecksumBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(body.Length), XxHash3.HashToUInt64(body));
    }
}
