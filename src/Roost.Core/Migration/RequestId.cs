namespace Roost.Core.Migration;

/// <summary>
/// Names one request a migration machine asks its driver to make (a peer call or a QEMU command). The answer carries
/// the same id, so a duplicated or late answer (its request superseded or timed out) is recognised and ignored.
/// </summary>
public readonly record struct RequestId(long Value)
{
    public override string ToString() => $"req-{Value}";
}
