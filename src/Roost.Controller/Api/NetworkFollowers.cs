using Roost.Hypervisor.Network;

namespace Roost.Controller.Api;

/// <summary>
/// The agents that follow the network intent: a signal that wakes their long polls (<c>GET /api/network?wait=</c>)
/// when the intent changes, and each site's last report (<c>PUT /api/network/sites/{site}</c>). Reports live in memory:
/// after a restart of the controller each site reports again at its next reconciliation (within one long poll).
/// Thread-safe: the signal is swapped atomically, reports are an immutable map swapped under a lock.
/// </summary>
public sealed class NetworkFollowers
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IReadOnlyDictionary<int, SiteReport> _sites = new Dictionary<int, SiteReport>();

    /// <summary>Completes at the next <see cref="Changed"/>; take it before reading the intent, so no change is missed.</summary>
    public Task NextChange
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    /// <summary>Each site's last report, by site number.</summary>
    public IReadOnlyDictionary<int, SiteReport> Sites
    {
        get
        {
            lock (_gate)
            {
                return _sites;
            }
        }
    }

    /// <summary>The intent in the store changed: wake every waiting long poll.</summary>
    public void Changed()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        fired.TrySetResult();
    }

    /// <summary>Records <paramref name="report"/>; returns the site's previous one.</summary>
    public SiteReport? Record(SiteReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        lock (_gate)
        {
            var previous = _sites.GetValueOrDefault(report.Site);
            _sites = new Dictionary<int, SiteReport>(_sites) { [report.Site] = report };
            return previous;
        }
    }
}

/// <summary>One site's last report as the controller keeps it, with when it arrived.</summary>
public sealed record SiteReport(int Site, SiteNetworkReport Report, DateTimeOffset At);
