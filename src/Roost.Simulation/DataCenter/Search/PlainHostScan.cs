namespace Roost.Simulation.DataCenter.Search;

/// <summary>
/// The search as CloudSim does it: every candidate host that is not excluded, in host order, goes to the judge. For
/// host types without a SPECpower table (the trees need one) and as the reference the tree search is tested against.
/// </summary>
internal sealed class PlainHostScan : IHostSearch
{
    private readonly bool[] _candidate;
    private readonly bool[] _excluded;
    private readonly List<int> _excludedHosts = [];

    // Candidates by host number; rebuilt on demand after a host joins or leaves them (rare while planning).
    private readonly List<int> _candidates = [];
    private bool _candidatesStale = true;

    public PlainHostScan(int hostCount)
    {
        _candidate = new bool[hostCount];
        _excluded = new bool[hostCount];
    }

    public void Reset() => ClearExclusions();

    public void Update(int host, in SearchHost state)
    {
        if (_candidate[host] != state.Candidate)
        {
            _candidate[host] = state.Candidate;
            _candidatesStale = true;
        }
    }

    public void Build()
    {
    }

    public void Exclude(int host)
    {
        if (!_excluded[host])
        {
            _excluded[host] = true;
            _excludedHosts.Add(host);
        }
    }

    public void ClearExclusions()
    {
        foreach (var h in _excludedHosts)
        {
            _excluded[h] = false;
        }

        _excludedHosts.Clear();
    }

    public void Search(HostQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (_candidatesStale)
        {
            _candidates.Clear();
            for (var h = 0; h < _candidate.Length; h++)
            {
                if (_candidate[h])
                {
                    _candidates.Add(h);
                }
            }

            _candidatesStale = false;
        }

        foreach (var h in _candidates)
        {
            if (!_excluded[h])
            {
                query.Judge.Consider(h, query);
            }
        }
    }
}
