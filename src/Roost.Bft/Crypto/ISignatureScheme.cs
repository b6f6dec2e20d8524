namespace Roost.Bft.Crypto;

/// <summary>
/// Signatures for the rare messages that must be forwarded (view-change and new-view). One instance per node: it
/// signs as that node and verifies anyone. Real deployments use <see cref="EcdsaSignatures"/>; the simulator uses
/// <see cref="SimulatedSignatures"/>.
/// </summary>
public interface ISignatureScheme
{
    byte[] Sign(ReadOnlySpan<byte> data);

    bool Verify(NodeId signer, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature);
}
