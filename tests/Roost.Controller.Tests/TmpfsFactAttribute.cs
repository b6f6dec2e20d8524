namespace Roost.Controller.Tests;

/// <summary>A fact that needs a tmpfs it can fill (root on Linux); skipped with the reason otherwise.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (TmpfsMount.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
