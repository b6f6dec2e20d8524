using System.Security.Cryptography;
using System.Text;

namespace Roost.Bft.Crypto;

/// <summary>
/// The symmetric keys of a deployment: one HMAC-SHA256 key per pair of nodes, derived from a deployment secret
/// (HMAC(secret, "pair|a|b") with the pair in a fixed order). Messages are authenticated with MACs, not signatures,
/// as in PBFT's BFT variant: a MAC is a few hundred nanoseconds, a signature tens of microseconds. A deployed node
/// holds only the keys of its own pairs (<see cref="ForPairs"/>, read from its owner-only key file); that keyring is
/// never written after construction, so it may be read from several threads.
/// </summary>
public sealed class Keyring
{
    private readonly byte[]? _secret;
    private readonly Dictionary<(NodeId, NodeId), byte[]> _pairs = [];

    public Keyring(ReadOnlySpan<byte> secret)
    {
        if (secret.Length < 16)
        {
            throw new ArgumentException("the deployment secret must be at least 16 bytes", nameof(secret));
        }

        _secret = secret.ToArray();
    }

    private Keyring(Dictionary<(NodeId, NodeId), byte[]> pairs)
    {
        _pairs = pairs;
    }

    /// <summary>A node's keyring holding only the keys it shares with each peer; any other pair is unknown.</summary>
    public static Keyring ForPairs(NodeId self, IEnumerable<KeyValuePair<NodeId, byte[]>> peerKeys)
    {
        ArgumentNullException.ThrowIfNull(peerKeys);
        var pairs = new Dictionary<(NodeId, NodeId), byte[]>();
        foreach (var (peer, key) in peerKeys)
        {
            if (key.Length < 16)
            {
                throw new ArgumentException($"the key of {self} and {peer} is shorter than 16 bytes", nameof(peerKeys));
            }

            pairs[Order(self, peer)] = key.ToArray();
        }

        return new Keyring(pairs);
    }

    /// <summary>True if this keyring holds the key of the pair (a keyring from a secret holds every pair).</summary>
    public bool Knows(NodeId a, NodeId b) => _secret is not null || _pairs.ContainsKey(Order(a, b));

    /// <summary>A keyring for simulations and tests: the secret is derived from <paramref name="seed"/>.</summary>
    public static Keyring ForSeed(long seed) => new(SHA256.HashData(Encoding.ASCII.GetBytes($"roost-bft-seed-{seed}")));

    /// <summary>The key shared by <paramref name="a"/> and <paramref name="b"/> (the same both ways).</summary>
    public byte[] PairKey(NodeId a, NodeId b)
    {
        var key = Order(a, b);
        if (!_pairs.TryGetValue(key, out var bytes))
        {
            if (_secret is null)
            {
                throw new ArgumentException($"no key is held for the pair {key.Item1} and {key.Item2}");
            }

            bytes = HMACSHA256.HashData(_secret, Encoding.ASCII.GetBytes($"pair|{key.Item1}|{key.Item2}"));
            _pairs[key] = bytes;
        }

        return bytes;
    }

    /// <summary>A per-node secret for <see cref="SimulatedSignatures"/>.</summary>
    internal byte[] NodeSecret(NodeId node) => HMACSHA256.HashData(_secret ?? throw new InvalidOperationException("a keyring of pairs holds no deployment secret"), Encoding.ASCII.GetBytes($"node|{node}"));

    private static (NodeId, NodeId) Order(NodeId a, NodeId b) =>
        (a.Role, a.Index).CompareTo((b.Role, b.Index)) <= 0 ? (a, b) : (b, a);
}
