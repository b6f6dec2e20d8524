namespace Roost.Core.Migration;

/// <summary>Names one call a peer made to the destination (complete, abort), so the machine can answer each.</summary>
public readonly record struct CallId(long Value)
{
    public override string ToString() => $"call-{Value}";
}
