using System.Globalization;
using System.Security.Cryptography;
using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>
/// The shape both ends of failback's resynchronisation agree on: a disk of <see cref="DiskBytes"/> cut into blocks
/// of <see cref="BlockBytes"/> (the last may be shorter), each known by its SHA-256. Digests travel in chunks of at
/// most <see cref="DigestsPerMessage"/>.
/// </summary>
public sealed record ResyncPlan(long DiskBytes, int BlockBytes)
{
    public const int DigestBytes = 32;

    /// <summary>Digests in one message: 4,096 (128 KiB), well inside a frame.</summary>
    public const int DigestsPerMessage = 4096;

    /// <summary>Most blocks a disk may have here (the digests of both disks are held in memory: 2 × 32 bytes a block).</summary>
    public const long MaxBlocks = 1L << 22;

    public long Blocks => (DiskBytes + BlockBytes - 1) / BlockBytes;

    public string? Validate() =>
        BlockBytes is < 512 or > 4 * 1024 * 1024 || (BlockBytes & (BlockBytes - 1)) != 0 ? string.Create(CultureInfo.InvariantCulture, $"resync block of {BlockBytes} bytes is not a power of two from 512 bytes to 4 MiB")
        : DiskBytes < 1 ? string.Create(CultureInfo.InvariantCulture, $"resync disk of {DiskBytes} bytes is empty")
        : Blocks > MaxBlocks ? string.Create(CultureInfo.InvariantCulture, $"resync disk of {DiskBytes} bytes has more than {MaxBlocks} blocks of {BlockBytes} bytes; use larger blocks")
        : null;

    /// <summary>Bytes in block <paramref name="block"/>.</summary>
    public int LengthOf(long block) => (int)Math.Min(BlockBytes, DiskBytes - (block * BlockBytes));

    /// <summary>Writes the SHA-256 of <paramref name="block"/> into <paramref name="digest"/> (32 bytes).</summary>
    public static void Digest(ReadOnlySpan<byte> block, Span<byte> digest) => SHA256.HashData(block, digest);

    /// <summary>The digests as messages, in block order.</summary>
    public IEnumerable<ReplicationMessage.BlockDigests> Messages(VmId vm, byte[] digests)
    {
        ArgumentNullException.ThrowIfNull(digests);
        for (long first = 0; first < Blocks; first += DigestsPerMessage)
        {
            var count = (int)Math.Min(DigestsPerMessage, Blocks - first);
            yield return new ReplicationMessage.BlockDigests(vm, BlockBytes, first, Blocks, digests.AsMemory((int)(first * DigestBytes), count * DigestBytes));
        }
    }

    /// <summary>Null when <paramref name="message"/> is the next chunk (<paramref name="expectedFirst"/>) of this plan's digests, else why not.</summary>
    public string? Check(VmId vm, ReplicationMessage.BlockDigests message, long expectedFirst)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Vm != vm ? $"digests of {message.Vm}, not {vm}"
            : message.BlockBytes != BlockBytes || message.TotalBlocks != Blocks ? string.Create(CultureInfo.InvariantCulture, $"digests of {message.TotalBlocks} blocks of {message.BlockBytes} bytes; this disk has {Blocks} of {BlockBytes}")
            : message.FirstBlock != expectedFirst ? string.Create(CultureInfo.InvariantCulture, $"digests from block {message.FirstBlock}, expected {expectedFirst}")
            : message.Digests.Length / DigestBytes > Blocks - expectedFirst ? "more digests than the disk has blocks"
            : null;
    }

    /// <summary>
    /// Checks <paramref name="plan"/> and that <paramref name="digests"/> holds one <see cref="DigestBytes"/>-byte digest
    /// a block, and returns a copy of them: what both ends of a resync session start from.
    /// </summary>
    public static byte[] CopyOfDigests(ResyncPlan plan, byte[] digests)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(digests);
        if (plan.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(plan));
        }

        if (digests.Length != plan.Blocks * DigestBytes)
        {
            throw new ArgumentException($"{digests.Length} bytes of digests for {plan.Blocks} blocks", nameof(digests));
        }

        return (byte[])digests.Clone();
    }
}
