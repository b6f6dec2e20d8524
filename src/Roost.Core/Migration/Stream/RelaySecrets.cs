using System.Security.Cryptography;
using System.Text;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// The keys a relay session derives from its per-migration secret (HMAC-SHA256 with a label each): one for page
/// digests, one for the handshake, and one per direction for the frames' MACs, so no transcript of one use reveals
/// anything about another.
/// </summary>
public static class RelaySecrets
{
    public const int SecretBytes = 32;
    public const int NonceBytes = 16;
    public const int MacBytes = 32;

    public static byte[] PageKey(ReadOnlySpan<byte> secret) => Derive(secret, "roost relay page digest v1");

    public static byte[] AuthKey(ReadOnlySpan<byte> secret) => Derive(secret, "roost relay handshake v1");

    /// <summary>The key of the MACs on the frames going one way: source to destination, or back.</summary>
    public static byte[] FrameKey(ReadOnlySpan<byte> secret, bool towardsDestination) =>
        Derive(secret, towardsDestination ? "roost relay frames to destination v1" : "roost relay frames to source v1");

    /// <summary>
    /// The secret of a migration's second relay pair (the disk's NBD connection beside the memory stream): frames are
    /// numbered from 0 under keys derived from the secret, so two sessions under one secret could have frames of one
    /// replayed into the other.
    /// </summary>
    public static byte[] DiskSecret(ReadOnlySpan<byte> secret) => Derive(secret, "roost relay disk secret v1");

    /// <summary>The MAC one side shows: over its role and both nonces.</summary>
    public static byte[] Mac(ReadOnlySpan<byte> authKey, string role, ReadOnlySpan<byte> sourceNonce, ReadOnlySpan<byte> destinationNonce)
    {
        var message = new byte[role.Length + 2 * NonceBytes];
        Encoding.ASCII.GetBytes(role, message);
        sourceNonce.CopyTo(message.AsSpan(role.Length));
        destinationNonce.CopyTo(message.AsSpan(role.Length + NonceBytes));
        return HMACSHA256.HashData(authKey, message);
    }

    internal static void CheckSecret(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> nonce)
    {
        if (secret.Length < SecretBytes || nonce.Length != NonceBytes)
        {
            throw new ArgumentException($"A relay session needs a secret of at least {SecretBytes} bytes and a nonce of {NonceBytes}.");
        }
    }

    private static byte[] Derive(ReadOnlySpan<byte> secret, string label) => HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(label));
}
