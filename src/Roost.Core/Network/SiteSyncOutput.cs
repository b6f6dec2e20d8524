namespace Roost.Core.Network;

/// <summary>What a <see cref="SiteSync"/> asks its host to do. The machine itself performs no I/O.</summary>
public abstract record SiteSyncOutput
{
    private SiteSyncOutput()
    {
    }

    /// <summary>
    /// Ask the controller for the intent. With <paramref name="KnownVersion"/>, a long poll: the answer comes when the
    /// version differs, or as "unchanged" after <paramref name="LongPoll"/>; without, at once.
    /// </summary>
    public sealed record Fetch(string? KnownVersion, TimeSpan LongPoll) : SiteSyncOutput;

    /// <summary>Reconcile the site's kernel to <paramref name="Intent"/>, then answer with its version.</summary>
    public sealed record Apply(string Version, NetworkIntent Intent) : SiteSyncOutput;

    /// <summary>Tell the controller how the last reconciliation went (<paramref name="Error"/> null: the kernel matches).</summary>
    public sealed record Report(string Version, int Changes, string? Error) : SiteSyncOutput;

    /// <summary>Wait <paramref name="After"/>, then answer <see cref="SiteSyncInput.TimerFired"/>; <paramref name="Reason"/> is why.</summary>
    public sealed record Wait(TimeSpan After, string Reason) : SiteSyncOutput;
}
