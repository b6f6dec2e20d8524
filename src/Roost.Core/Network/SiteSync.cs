namespace Roost.Core.Network;

/// <summary>
/// One site's follower of the controller's network intent, as a sans-I/O machine: it asks for the intent, has the
/// site's kernel reconciled to it, reports the outcome, then waits for the next version (a long poll that also ends
/// after <see cref="SiteSyncSettings.Resync"/>, when the same intent is reconciled again so a hand edit is repaired).
/// A failed fetch or reconciliation is retried after a back-off that doubles up to a bound, with a fresh fetch (a
/// restarted controller, or an agent that just started, thus always reconciles the whole intent once). Exactly one
/// operation is outstanding at a time; answers that do not belong to it are ignored.
/// </summary>
public sealed class SiteSync
{
    private readonly SiteSyncSettings _settings;
    private Pending _pending = Pending.Nothing;
    private (string Version, NetworkIntent Intent)? _candidate;
    private (string Version, NetworkIntent Intent)? _applied;

    public SiteSync(SiteSyncSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Validate() is { } invalid)
        {
            throw new ArgumentException(invalid, nameof(settings));
        }

        _settings = settings;
    }

    private enum Pending
    {
        Nothing,
        Fetch,
        Apply,
        Wait,
    }

    /// <summary>The version the site's kernel was last reconciled to, or null before the first success.</summary>
    public string? AppliedVersion => _applied?.Version;

    /// <summary>Failures since the last success (fetches and reconciliations).</summary>
    public int ConsecutiveFailures { get; private set; }

    public IReadOnlyList<SiteSyncOutput> Handle(SiteSyncInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        switch (input)
        {
            case SiteSyncInput.Started when _pending == Pending.Nothing:
                return Fetch(known: null);

            case SiteSyncInput.IntentFetched fetched when _pending == Pending.Fetch:
                _candidate = (fetched.Version, fetched.Intent);
                _pending = Pending.Apply;
                return [new SiteSyncOutput.Apply(fetched.Version, fetched.Intent)];

            case SiteSyncInput.IntentUnchanged when _pending == Pending.Fetch:
                if (_applied is not { } applied)
                {
                    // Only a fetch with a known version can be answered "unchanged"; start over.
                    return Fetch(known: null);
                }

                // The long poll ran out: reconcile the same intent again (repairs whatever changed the kernel by hand).
                _candidate = applied;
                _pending = Pending.Apply;
                return [new SiteSyncOutput.Apply(applied.Version, applied.Intent)];

            case SiteSyncInput.FetchFailed failed when _pending == Pending.Fetch:
                return Retry(report: null, failed.Reason);

            case SiteSyncInput.ApplyFinished finished when _pending == Pending.Apply && _candidate?.Version == finished.Version:
                _applied = _candidate;
                ConsecutiveFailures = 0;
                return [new SiteSyncOutput.Report(finished.Version, finished.Changes, null), .. Fetch(known: finished.Version)];

            case SiteSyncInput.ApplyFailed failed when _pending == Pending.Apply && _candidate?.Version == failed.Version:
                return Retry(new SiteSyncOutput.Report(failed.Version, 0, failed.Reason), failed.Reason);

            case SiteSyncInput.TimerFired when _pending == Pending.Wait:
                return Fetch(known: null);

            default:
                return [];
        }
    }

    private List<SiteSyncOutput> Fetch(string? known)
    {
        _pending = Pending.Fetch;
        return [new SiteSyncOutput.Fetch(known, known is null ? TimeSpan.Zero : _settings.Resync)];
    }

    private List<SiteSyncOutput> Retry(SiteSyncOutput.Report? report, string reason)
    {
        ConsecutiveFailures++;
        _pending = Pending.Wait;

        // 1, 2, 4 ... times the first back-off, at most the bound (the shift is capped so it cannot overflow).
        var factor = 1L << Math.Min(ConsecutiveFailures - 1, 20);
        var after = TimeSpan.FromTicks(Math.Min(_settings.RetryMax.Ticks, _settings.RetryMin.Ticks * factor));
        return report is null
            ? [new SiteSyncOutput.Wait(after, reason)]
            : [report, new SiteSyncOutput.Wait(after, reason)];
    }
}
