namespace Roost.Core.Model;

/// <summary>Identifies a virtual machine for its whole life, across migrations.</summary>
public readonly record struct VmId(int Value)
{
    public override string ToString() => $"vm-{Value}";
}
