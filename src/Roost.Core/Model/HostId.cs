namespace Roost.Core.Model;

/// <summary>Identifies a physical host.</summary>
public readonly record struct HostId(int Value)
{
    public override string ToString() => $"host-{Value}";
}
