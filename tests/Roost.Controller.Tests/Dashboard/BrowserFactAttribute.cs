namespace Roost.Controller.Tests.Dashboard;

/// <summary>A fact that needs node and chromium; skipped with the reason when they are absent.</summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (BrowserEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
