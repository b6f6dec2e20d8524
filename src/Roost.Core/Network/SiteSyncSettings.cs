namespace Roost.Core.Network;

/// <summary>
/// How a site follows the controller's network intent (<see cref="SiteSync"/>): the first back-off after a failure
/// (doubling up to <paramref name="RetryMax"/>), and how long one long poll waits for a new version before the same
/// intent is reconciled again.
/// </summary>
public sealed record SiteSyncSettings(TimeSpan RetryMin, TimeSpan RetryMax, TimeSpan Resync)
{
    /// <summary>1 s doubling to 30 s; a long poll of 30 s.</summary>
    public static SiteSyncSettings Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

    /// <summary>The longest long poll the controller grants (<c>GET /api/network?wait=</c>), in seconds.</summary>
    public const int MaxResyncSeconds = 60;

    /// <summary>Null when every duration is in range, else one line naming the first that is not.</summary>
    public string? Validate() =>
        RetryMin <= TimeSpan.Zero || RetryMax < RetryMin || RetryMax > TimeSpan.FromHours(1)
            ? $"site sync: retry back-off {RetryMin}..{RetryMax} must be positive, ordered and at most an hour"
            : Resync < TimeSpan.FromSeconds(1) || Resync > TimeSpan.FromSeconds(MaxResyncSeconds)
                ? $"site sync: resync {Resync} must be from 1 to {MaxResyncSeconds} s"
                : null;
}
