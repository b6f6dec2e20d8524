using System.Security.Cryptography;

namespace Roost.Bft.Crypto;

/// <summary>
/// A client request's authenticator (PBFT §4.1 with MACs): one truncated HMAC of the request digest per agreement
/// replica, each under the key the client shares with that replica. A primary relays requests inside batches and
/// cannot forge or alter one, because every backup checks its own entry.
/// </summary>
public static class RequestAuthenticator
{
    public const int MacSize = 16;

    public static byte[] Create(Keyring keyring, int client, Digest request, int agreementReplicas)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        var result = new byte[MacSize * agreementReplicas];
        Span<byte> data = stackalloc byte[Digest.Size];
        request.Write(data);
        Span<byte> mac = stackalloc byte[32];
        for (var i = 0; i < agreementReplicas; i++)
        {
            HMACSHA256.HashData(keyring.PairKey(NodeId.Client(client), NodeId.Agreement(i)), data, mac);
            mac[..MacSize].CopyTo(result.AsSpan(i * MacSize));
        }

        return result;
    }

    public static bool Verify(Keyring keyring, int client, Digest request, int replica, ReadOnlySpan<byte> authenticator)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        if (authenticator.Length < (replica + 1) * MacSize || !keyring.Knows(NodeId.Client(client), NodeId.Agreement(replica)))
        {
            return false;
        }

        Span<byte> data = stackalloc byte[Digest.Size];
        request.Write(data);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(keyring.PairKey(NodeId.Client(client), NodeId.Agreement(replica)), data, mac);
        return CryptographicOperations.FixedTimeEquals(mac[..MacSize], authenticator.Slice(replica * MacSize, MacSize));
    }
}
