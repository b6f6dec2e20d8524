namespace Roost.Core.Network;

/// <summary>What happens to a <see cref="SiteSync"/>: its start, and the answers to the operations it asked for.</summary>
public abstract record SiteSyncInput
{
    private SiteSyncInput()
    {
    }

    public sealed record Started : SiteSyncInput;

    /// <summary>The controller answered with the intent and its version (its ETag).</summary>
    public sealed record IntentFetched(string Version, NetworkIntent Intent) : SiteSyncInput;

    /// <summary>A long poll ended without a new version.</summary>
    public sealed record IntentUnchanged : SiteSyncInput;

    /// <summary>The controller could not be reached, or answered with something that is not a valid intent.</summary>
    public sealed record FetchFailed(string Reason) : SiteSyncInput;

    /// <summary>The site's kernel matches version <paramref name="Version"/>; <paramref name="Changes"/> were applied to get there.</summary>
    public sealed record ApplyFinished(string Version, int Changes) : SiteSyncInput;

    public sealed record ApplyFailed(string Version, string Reason) : SiteSyncInput;

    /// <summary>The back-off asked for by <see cref="SiteSyncOutput.Wait"/> is over.</summary>
    public sealed record TimerFired : SiteSyncInput;
}
