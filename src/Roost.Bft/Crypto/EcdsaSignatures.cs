using System.Security.Cryptography;

namespace Roost.Bft.Crypto;

/// <summary>ECDSA P-256 signatures (BCL, fixed-size IEEE P1363 encoding) for real deployments.</summary>
public sealed class EcdsaSignatures : ISignatureScheme
{
    private readonly ECDsa _own;
    private readonly IReadOnlyDictionary<NodeId, ECDsa> _public;

    /// <param name="own">This node's key pair.</param>
    /// <param name="publicKeys">Every node's public key, this node's included.</param>
    public EcdsaSignatures(ECDsa own, IReadOnlyDictionary<NodeId, ECDsa> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(publicKeys);
        _own = own;
        _public = publicKeys;
    }

    public byte[] Sign(ReadOnlySpan<byte> data) => _own.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public bool Verify(NodeId signer, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        _public.TryGetValue(signer, out var key)
        && key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
}
