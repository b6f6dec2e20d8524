using System.Security.Cryptography;
using System.Text;

namespace Roost.Bft.Crypto;

/// <summary>
/// The symmetric keys of a deployment: one HMAC-SHA256 key per pair of nodes, derived from a deployment secret
/// (HMAC(secret, "pair|a|b") with the pair in a fixed order). Messages are authenticated with MACs, not signatures,
/// as in PBFT's BFT variant: a MAC is a few hundred nanoseconds, a signature tens of microseconds.
/// </summary>
public sealed class Keyring
{
    private readonly byte[] _secret;
    private readonly Dictionary<(NodeId, NodeId), byte[]> _pairs = [];

    public Keyring(ReadOnlySpan<byte> secret)
    {
        if (secret.Length < 16)
        {
            throw new ArgumentException("the deployment secret must be at least 16 bytes", nameof(secret));
        }

        _secret = secret.ToArray();
    }

    /// <summary>A keyring for simulations and tests: the secret is derived from <paramref name="seed"/>.</summary>
    public static Keyring ForSeed(long seed) => new(SHA256.HashData(Encoding.ASCII.GetBytes($"roost-bft-seed-{seed}")));

    /// <summary>The key shared by <paramref name="a"/> and <paramref name="b"/> (the same both ways).</summary>
    public byte[] PairKey(NodeId a, NodeId b)
    {
        var key = Order(a, b);
        if (!_pairs.TryGetValue(key, out var bytes))
        {
            bytes = HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes($"pair|{key.Item1}|{key.Item2}"));
            _pairs[key] = bytes;
        }

        return bytes;
    }

    /// <summary>A per-node secret for <see cref="SimulatedSignatures"/>.</summary>
    internal byte[] NodeSecret(NodeId node) => HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes($"node|{node}"));

    private static (NodeId, NodeId) Order(NodeId a, NodeId b) =>
        (a.Role, a.Index).CompareTo((b.Role, b.Index)) <= 0 ? (a, b) : (b, a);
}
