using System.Security.Cryptography;

namespace Roost.Core.Sharing;

/// <summary>
/// The keyed twin of <see cref="PageHasher"/>: a page's content hash under a secret key, HMAC-SHA256 truncated to 128
/// bits (RFC 2104 §5 allows truncation to half the output). Memory Buddies' fingerprints use the unkeyed XxHash3-64 so
/// that fingerprints of different hosts compare; a migration's redundancy elimination cannot, because a guest that
/// can compute the hash can plant a page colliding with another VM's and have the destination hand it that page's
/// content. Under a per-migration secret nobody outside the two agents knows, a guest cannot find a collision.
/// </summary>
/// <remarks>Not thread-safe (it keeps the keyed HMAC state): one per encoder or decoder. About 1.5 GB/s with SHA-NI.</remarks>
public sealed class KeyedPageHasher : IDisposable
{
    /// <summary>Shortest accepted key, in bytes.</summary>
    public const int MinKeyBytes = 16;

    private readonly IncrementalHash _hmac;

    public KeyedPageHasher(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"A page hash key needs at least {MinKeyBytes} bytes, got {key.Length}.", nameof(key));
        }

        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
    }

    public PageDigest Hash(ReadOnlySpan<byte> page)
    {
        Span<byte> mac = stackalloc byte[32];
        _hmac.AppendData(page);
        _hmac.GetHashAndReset(mac);
        return PageDigest.ReadFrom(mac);
    }

    public void Dispose() => _hmac.Dispose();
}
