using System.IO.Hashing;

namespace Roost.Core.Sharing;

/// <summary>
/// Hashes guest memory page by page (4 KiB pages, XxHash3 64-bit, seed 0). Zero pages are counted apart and never
/// hashed into a fingerprint: every VM has them, the hypervisor shares them anyway, and they would otherwise dominate
/// every sharing estimate (Memory Buddies, §3.1).
/// </summary>
/// <remarks>
/// Pure and allocation-free on the span overloads; about 10 GB/s on one core, so 1 GiB takes roughly 0.1 s and no
/// parallelism is used. A trailing partial page is ignored (guest RAM is always a whole number of pages).
/// </remarks>
public static class PageHasher
{
    /// <summary>Bytes per page: the x86-64 base page size that KSM and Memory Buddies work on.</summary>
    public const int PageSizeBytes = 4096;

    /// <summary>Pages per MiB of guest memory.</summary>
    public const int PagesPerMiB = 1024 * 1024 / PageSizeBytes;

    /// <summary>The 64-bit content hash of one page.</summary>
    public static ulong HashPage(ReadOnlySpan<byte> page) => XxHash3.HashToUInt64(page);

    /// <summary>True if every byte of the page is zero (vectorised scan that stops at the first non-zero byte).</summary>
    public static bool IsZeroPage(ReadOnlySpan<byte> page) => !page.ContainsAnyExcept((byte)0);

    /// <summary>Number of whole pages in <paramref name="memory"/>.</summary>
    public static int PageCount(ReadOnlySpan<byte> memory) => memory.Length / PageSizeBytes;

    /// <summary>
    /// Writes the hash of every non-zero page of <paramref name="memory"/>, in page order, into
    /// <paramref name="hashes"/> (which must hold <see cref="PageCount"/> entries) and returns how many were written.
    /// </summary>
    public static int HashPages(ReadOnlySpan<byte> memory, Span<ulong> hashes, out long zeroPages)
    {
        var pages = PageCount(memory);
        if (hashes.Length < pages)
        {
            throw new ArgumentException($"Need room for {pages} hashes, got {hashes.Length}.", nameof(hashes));
        }

        var written = 0;
        zeroPages = 0;
        for (var offset = 0; offset + PageSizeBytes <= memory.Length; offset += PageSizeBytes)
        {
            var page = memory.Slice(offset, PageSizeBytes);
            if (IsZeroPage(page))
            {
                zeroPages++;
            }
            else
            {
                hashes[written++] = HashPage(page);
            }
        }

        return written;
    }

    /// <summary>Hashes <paramref name="memory"/> and builds its exact fingerprint (sorted unique hashes).</summary>
    public static ExactFingerprint Fingerprint(ReadOnlySpan<byte> memory, HashSampling sampling = default)
    {
        var hashes = new ulong[PageCount(memory)];
        var count = HashPages(memory, hashes, out var zeroPages);
        return ExactFingerprint.FromPageHashes(hashes.AsSpan(0, count), zeroPages, sampling);
    }
}
