using Roost.Simulation.DataCenter.Search;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// PABFD's host search, behind <see cref="IHostSearch"/>: the search mirrors every host's state (<see cref="SearchHost"/>)
/// and the exclusions of the phase being planned while <c>_searchLive</c> is set (from <see cref="IndexHosts"/> until
/// planning is undone); every change to a host's allocation, capacity or candidacy goes through
/// <see cref="OnSearchHostChanged"/>, every exclusion through <see cref="ExcludeFromSearch"/>.
/// </summary>
internal sealed partial class PowerDataCenter : IHostJudge
{
    private readonly IHostSearch _search;
    private readonly HostQuery _query;
    private bool _searchLive;

    /// <summary>The trees where every host type has a SPECpower table, else the plain scan.</summary>
    private IHostSearch CreateSearch()
    {
        var types = new List<(SpecPowerTable, double, double)>();
        for (var type = 0; type < _hostTypeStride; type++)
        {
            if (type >= _hostCount || _hostWattTable[type] is not { } table)
            {
                return new PlainHostScan(_hostCount);
            }

            types.Add((table, _hostTotalMips[type], _hostPeMips[type]));
        }

        return new TreeHostSearch(_hostCount, types, _screenRule, _parallelHostThreshold) { Fault = _fault };
    }

    /// <summary>Gives the search every host's state as it is now; called once the stale powers are known.</summary>
    private void BuildSearch()
    {
        _search.Reset();
        for (var h = 0; h < _hostCount; h++)
        {
            _search.Update(h, SearchState(h));
        }

        _search.Build();
        _searchLive = true;
    }

    private SearchHost SearchState(int host) =>
        new(_isCandidate[host], _allocatedForPlacement[host], _stalePower[host], _availableMips[host], _ramFree[host], _bandwidthFree[host], ScreenKey(host));

    /// <summary>A host's allocation, capacity or candidacy changed while planning.</summary>
    private void OnSearchHostChanged(int host)
    {
        if (_searchLive)
        {
            _search.Update(host, SearchState(host));
        }
    }

    /// <summary>The host is excluded as a target for the rest of the phase being planned.</summary>
    private void ExcludeFromSearch(int host)
    {
        if (_searchLive)
        {
            _search.Exclude(host);
        }
    }

    /// <summary>A new exclusion set starts (the next planning phase): every host is searchable again.</summary>
    private void ResetSearchExclusions()
    {
        if (_searchLive)
        {
            _search.ClearExclusions();
        }
    }
}
