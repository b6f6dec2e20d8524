using System.Diagnostics;
using Roost.Core.Balancing.Consolidation;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// A cheap certainty about overload, for the detectors where it is exact: each host gets a key, and a host whose key
/// reaches a VM's limit (<see cref="ScreenRule"/>) is surely overloaded with it, so the host search skips whole groups
/// of hosts PABFD would reject anyway; under LR the same key also answers "surely not overloaded" for most hosts
/// without building and fitting their histories. THR: the key is the host's requested MIPS, and the test is the
/// detector's own, operation for operation. LR (non-robust): an ordinary least-squares fit is linear in the history,
/// so the forecast of host + VM is the sum of the host's and the VM's forecasts up to rounding, which
/// <see cref="ScreenRule.Slack"/> absorbs; the key is the host's forecast, the MIPS-weighted sum of its VMs' (each
/// kept per VM, refreshed when the VM's history grows).
/// </summary>
/// <remarks>
/// A host with no allocation is never screened (PABFD accepts it without asking the detector), nor, under LR, a host
/// whose history is not certified to fill the regression window (the fallback detector may decide for it): their key
/// is −∞. Keys are cached per host; the host allocation, which makes every change to a host, invalidates a key
/// (<see cref="Invalidate"/>) after every change, so a cached key is always the one
/// <see cref="Key"/> would compute.
/// </remarks>
internal sealed class OverloadScreen
{
    private const int RegressionWindow = 10;

    // Values below this count as zero when certifying a full regression window, so that a product with a VM's MIPS
    // share can never underflow to zero behind the certificate's back.
    private const double CertainlyPositive = 1e-300;

    private readonly Fleet _fleet;
    private readonly VmTable _vms;
    private readonly HostAllocation _hosts;
    private readonly PowerDataCenterFault _fault;
    private readonly double[] _regressionCoefficients = new double[RegressionWindow];

    // Per VM under LR: its unweighted forecast and whether its window is certified full.
    private readonly double[] _vmForecast = [];
    private readonly bool[] _vmFullWindow = [];

    // Per host: the key, and whether it must be recomputed.
    private readonly double[] _key;
    private readonly bool[] _stale;

    // Per host under LR, as of its current key: Σ forecast · MIPS over its VMs in list order, and whether one of them
    // has a full window (so that a VM appended to the list extends the key by its one term: OnVmAppended).
    private readonly double[] _hostForecast = [];
    private readonly bool[] _hostFullWindow = [];

    public OverloadScreen(IOverloadDetector? detector, Fleet fleet, VmTable vms, HostAllocation hosts, PowerDataCenterFault fault)
    {
        _fleet = fleet;
        _vms = vms;
        _hosts = hosts;
        _fault = fault;
        _key = new double[fleet.HostCount];
        _stale = new bool[fleet.HostCount];
        Array.Fill(_stale, true);
        switch (detector)
        {
            case StaticThresholdDetector threshold:
                Rule = new ScreenRule(ScreenKind.Threshold, threshold.Threshold, 1);
                break;
            case LocalRegressionDetector { Robust: false } regression when SingleMigrationHorizon(regression.SchedulingInterval.TotalSeconds) is { } horizon:
                Rule = new ScreenRule(ScreenKind.Regression, 0, regression.Safety);
                _vmForecast = new double[vms.Count];
                _vmFullWindow = new bool[vms.Count];
                _hostForecast = new double[fleet.HostCount];
                _hostFullWindow = new bool[fleet.HostCount];

                // Coefficient of history[j] (most recent first) in the forecast at x = window + horizon, by linearity
                // of the fit: the forecast of the j-th unit vector.
                Span<double> unit = stackalloc double[RegressionWindow];
                for (var j = 0; j < RegressionWindow; j++)
                {
                    unit.Clear();
                    unit[RegressionWindow - j - 1] = 1;
                    var (intercept, slope) = ConsolidationStatistics.LoessParameterEstimates(unit);
                    _regressionCoefficients[j] = intercept + (slope * (RegressionWindow + horizon));
                }

                break;
        }
    }

    public ScreenRule Rule { get; } = ScreenRule.None;

    /// <summary>
    /// The host's key: −∞ when it must never be screened out. Kept until the host allocation invalidates it, which it
    /// does whenever the host's list, its allocation or, through the host update that follows every history step, its
    /// VMs' forecasts change.
    /// </summary>
    public double Key(int host)
    {
        if (_stale[host])
        {
            if (Rule.Kind == ScreenKind.Regression)
            {
                (_hostForecast[host], _hostFullWindow[host]) = ForecastOf(host);
            }

            _key[host] = KeyFromParts(host);
            _stale[host] = false;
        }

        Debug.Assert(_fault != PowerDataCenterFault.None || _key[host].Equals(ComputeKey(host)), $"host {host}: cached screen key is stale");
        return _key[host];
    }

    /// <summary>Under LR: the VM's forecast utilisation times its MIPS (0 when LR is not screened).</summary>
    public double ForecastMips(int vm) => Rule.Kind == ScreenKind.Regression ? _vmForecast[vm] * _vms[vm].Mips : 0;

    /// <summary>Whether LR would surely find the host not overloaded as it is (its forecast stays below the threshold by the slack).</summary>
    public bool SurelyNotOverloaded(int host) => Rule.Kind == ScreenKind.Regression && Rule.SurelyBelowThreshold(Key(host), added: 0);

    /// <summary>Whether LR would surely find the host not overloaded with <paramref name="vm"/> appended.</summary>
    public bool SurelyNotOverloadedWith(int host, int vm) =>
        Rule.Kind == ScreenKind.Regression && Rule.SurelyBelowThreshold(Key(host), ForecastMips(vm) / _fleet.TotalMips(host));

    /// <summary>The host's derived state was stored afresh: its key is recomputed when next read.</summary>
    public void Invalidate(int host) => _stale[host] = true;

    /// <summary>
    /// <paramref name="vm"/> was appended to the host's list and its derived state extended in place: a current key
    /// takes the VM's term at the end of its sum (the order <see cref="ForecastOf"/> adds in), the same bits as
    /// recomputing it; a stale one stays stale.
    /// </summary>
    public void OnVmAppended(int host, int vm)
    {
        if (_stale[host])
        {
            return;
        }

        if (Rule.Kind == ScreenKind.Regression)
        {
            _hostForecast[host] += _vmForecast[vm] * _vms[vm].Mips;
            _hostFullWindow[host] |= _vmFullWindow[vm];
        }

        _key[host] = KeyFromParts(host);
    }

    /// <summary>Refreshes a VM's unweighted LR forecast and window certificate after its history grew.</summary>
    public void OnVmHistoryChanged(int vm)
    {
        if (Rule.Kind != ScreenKind.Regression)
        {
            return;
        }

        var history = _vms.History(vm);
        var count = Math.Min(_vms.HistoryCount(vm), RegressionWindow);
        double forecast = 0;
        var positive = 0;
        for (var j = 0; j < count; j++)
        {
            forecast += _regressionCoefficients[j] * history[j];
            if (positive == j && history[j] >= CertainlyPositive)
            {
                positive++;
            }
        }

        _vmForecast[vm] = forecast;
        _vmFullWindow[vm] = positive == RegressionWindow;
    }

    /// <summary>The key from the host's derived state and, under LR, its forecast parts as of the key.</summary>
    private double KeyFromParts(int host) =>
        Rule.Kind == ScreenKind.Regression ? KeyOf(host, _hostForecast[host], _hostFullWindow[host]) : KeyOf(host, 0, fullWindow: false);

    /// <summary>The key from the host's lists and derived state, touching no cache.</summary>
    private double ComputeKey(int host)
    {
        var (forecast, fullWindow) = Rule.Kind == ScreenKind.Regression ? ForecastOf(host) : (0, false);
        return KeyOf(host, forecast, fullWindow);
    }

    /// <summary>The key from the host's derived state and, under LR, its forecast sum and window certificate.</summary>
    private double KeyOf(int host, double forecast, bool fullWindow)
    {
        if (_hosts.AllocatedForPlacement(host) == 0)
        {
            return double.NegativeInfinity;
        }

        return Rule.Kind switch
        {
            ScreenKind.Threshold => _hosts.RequestedMips(host),
            ScreenKind.Regression when fullWindow => forecast / _fleet.TotalMips(host),
            _ => double.NegativeInfinity,
        };
    }

    /// <summary>
    /// Under LR: the host's history is the MIPS-weighted sum of its VMs' (all non-negative), so one VM with a full
    /// window of positive values gives the host one, and the host's forecast is the weighted sum of the VMs'.
    /// </summary>
    private (double Forecast, bool FullWindow) ForecastOf(int host)
    {
        double forecast = 0;
        var full = false;
        foreach (var v in _hosts.VmsOf(host))
        {
            forecast += _vmForecast[v] * _vms[v].Mips;
            full |= _vmFullWindow[v];
        }

        return (forecast, full);
    }

    /// <summary>
    /// The number of intervals LR looks ahead, if it is the same for every host and VM (it depends on the largest VM
    /// RAM on the host and the host's bandwidth); otherwise null and LR is not screened.
    /// </summary>
    private double? SingleMigrationHorizon(double intervalSeconds)
    {
        double? horizon = null;
        for (var type = 0; type < _fleet.TypeCount && type < _fleet.HostCount; type++)
        {
            for (var v = 0; v < _vms.Count; v++)
            {
                var intervals = Math.Ceiling(_fleet.MigrationSeconds(type, _vms[v].Ram) / intervalSeconds);
                if (horizon is { } known && known != intervals)
                {
                    return null;
                }

                horizon = intervals;
            }
        }

        return horizon;
    }
}
