using System.Security.Cryptography;

namespace Roost.Bft.Crypto;

/// <summary>
/// Signatures for the deterministic simulator: an HMAC under a per-node secret. Verifiers can compute it, so this is
/// not a signature against a real adversary; in the simulator no code signs for another node (the Byzantine
/// behaviours only hold their own node's scheme), which is the property the protocol relies on. Deterministic and
/// fast, unlike ECDSA (whose signatures are randomised).
/// </summary>
public sealed class SimulatedSignatures : ISignatureScheme
{
    private readonly Keyring _keyring;
    private readonly byte[] _own;
    private readonly Dictionary<NodeId, byte[]> _secrets = [];

    public SimulatedSignatures(Keyring keyring, NodeId self)
    {
        ArgumentNullException.ThrowIfNull(keyring);
        _keyring = keyring;
        _own = keyring.NodeSecret(self);
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => HMACSHA256.HashData(_own, data);

    public bool Verify(NodeId signer, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        if (!_secrets.TryGetValue(signer, out var secret))
        {
            secret = _keyring.NodeSecret(signer);
            _secrets[signer] = secret;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(secret, data, expected);
        return CryptographicOperations.FixedTimeEquals(expected, signature);
    }
}
