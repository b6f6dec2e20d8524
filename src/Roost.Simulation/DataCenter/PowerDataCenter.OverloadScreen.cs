using Roost.Core.Balancing.Consolidation;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// A cheap certainty that a host would be overloaded with a VM, so the host search can skip whole subtrees of hosts
/// that IsOverloadedWith would reject anyway. Each host gets a key, each query a limit; a host whose key reaches the
/// limit is surely overloaded with the VM. Only the detectors where this is exact are screened:
/// THR compares (requested + r) / T with its threshold, which the key reproduces operation for operation;
/// LR (non-robust) is an ordinary least-squares fit, linear in the history, so its forecast of host + VM is the sum of
/// the host's and the VM's forecasts up to rounding, which <see cref="ScreenRule.Slack"/> absorbs.
/// </summary>
/// <remarks>
/// A host with no allocation is never screened (PABFD accepts it without asking the detector), nor, under LR, a host
/// whose own history is shorter than the regression window (the fallback detector may decide for it).
/// </remarks>
internal sealed partial class PowerDataCenter
{
    private const int RegressionWindow = 10;

    // Values below this count as zero when certifying a full regression window, so that a product with a VM's MIPS
    // share can never underflow to zero behind the certificate's back.
    private const double CertainlyPositive = 1e-300;

    private readonly double[] _regressionCoefficients = new double[RegressionWindow];
    private double[] _vmForecast = [];
    private bool[] _vmFullWindow = [];

    // Per host under LR: Σ forecast · MIPS over its VMs and whether one has a full window, as of its current key.
    private double[] _hostForecast = [];
    private bool[] _hostFullWindow = [];
    private bool _screenByThreshold;
    private bool _screenByRegression;
    private double _screenThreshold;
    private double _screenSafety;
    private ScreenRule _screenRule = ScreenRule.None;

    private void InitializeOverloadScreen()
    {
        switch (_policy.Detector)
        {
            case StaticThresholdDetector threshold:
                _screenByThreshold = true;
                _screenThreshold = threshold.Threshold;
                _screenRule = new ScreenRule(ScreenKind.Threshold, threshold.Threshold, 1);
                break;
            case LocalRegressionDetector { Robust: false } regression when SingleMigrationHorizon(regression.SchedulingInterval.TotalSeconds) is { } horizon:
                _screenByRegression = true;
                _screenSafety = regression.Safety;
                _screenRule = new ScreenRule(ScreenKind.Regression, 0, regression.Safety);
                _vmForecast = new double[_vmCount];
                _vmFullWindow = new bool[_vmCount];
                _hostForecast = new double[_hostCount];
                _hostFullWindow = new bool[_hostCount];

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

    /// <summary>
    /// The number of intervals LR looks ahead, if it is the same for every host and VM (it depends on the largest VM
    /// RAM on the host and the host's bandwidth); otherwise null and LR is not screened.
    /// </summary>
    private double? SingleMigrationHorizon(double intervalSeconds)
    {
        double? horizon = null;
        for (var type = 0; type < _hostTypeStride && type < _hostCount; type++)
        {
            for (var v = 0; v < _vmCount; v++)
            {
                var intervals = Math.Ceiling(MaxMigrationSeconds(type, _vm[v].Ram) / intervalSeconds);
                if (horizon is { } known && known != intervals)
                {
                    return null;
                }

                horizon = intervals;
            }
        }

        return horizon;
    }

    /// <summary>
    /// The host's screen key: −∞ when it must never be screened out. Kept until the host's derived state is next
    /// stored (<see cref="StoreDerived"/> marks it stale), which happens whenever its list, its allocation or, through
    /// the host update that follows every history step, its VMs' forecasts change.
    /// </summary>
    private double ScreenKey(int host)
    {
        if (_screenKeyStale[host])
        {
            _screenKey[host] = ComputeScreenKey(host);
            _screenKeyStale[host] = false;
        }

        return _screenKey[host];
    }

    private double ComputeScreenKey(int host)
    {
        if (_screenByRegression)
        {
            // The host's history is the MIPS-weighted sum of its VMs' (all non-negative), so one VM with a full window
            // of positive values gives the host one, and the host's forecast is the weighted sum of the VMs'.
            double forecast = 0;
            var full = false;
            foreach (var v in _hostVms[host])
            {
                forecast += _vmForecast[v] * _vm[v].Mips;
                full |= _vmFullWindow[v];
            }

            _hostForecast[host] = forecast;
            _hostFullWindow[host] = full;
        }

        return ScreenKeyFromParts(host);
    }

    /// <summary>The key from the host's derived state and, under LR, its weighted forecast sum and window certificate.</summary>
    private double ScreenKeyFromParts(int host)
    {
        if (_allocatedForPlacement[host] == 0)
        {
            return double.NegativeInfinity;
        }

        if (_screenByThreshold)
        {
            return _requestedMips[host];
        }

        return _screenByRegression && _hostFullWindow[host] ? _hostForecast[host] / _hostTotalMips[host] : double.NegativeInfinity;
    }

    /// <summary>
    /// A VM was appended to the host's list and its derived state updated in place: a current key takes the VM's
    /// term at the end of its sum (the order <see cref="ComputeScreenKey"/> adds in); a stale one stays stale.
    /// </summary>
    private void AppendToScreenKey(int host, int vm)
    {
        if (_screenKeyStale[host])
        {
            return;
        }

        if (_screenByRegression)
        {
            _hostForecast[host] += _vmForecast[vm] * _vm[vm].Mips;
            _hostFullWindow[host] |= _vmFullWindow[vm];
        }

        _screenKey[host] = ScreenKeyFromParts(host);
    }

    /// <summary>Refreshes a VM's unweighted LR forecast and window certificate after its history grew.</summary>
    private void UpdateVmForecast(int vm)
    {
        if (!_screenByRegression)
        {
            return;
        }

        var history = VmHistory(vm);
        var count = Math.Min(_vmHistoryCount[vm], RegressionWindow);
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

    /// <summary>
    /// <see cref="IsOverloadedWith"/>, answered without building the host's history where the screen decides exactly:
    /// THR's test is the key's; under LR a host whose forecast with the VM stays below the threshold by the slack is
    /// surely not overloaded (its full window makes LR use the regression, never the fallback).
    /// </summary>
    private bool WouldBeOverloadedWith(int host, int vm)
    {
        if (_screenByThreshold)
        {
            return (_requestedMips[host] + Requested(vm)) / _hostTotalMips[host] > _screenThreshold;
        }

        if (_screenByRegression)
        {
            if (_screenRule.SurelyBelowThreshold(ScreenKey(host), _vmForecast[vm] * _vm[vm].Mips / _hostTotalMips[host]))
            {
                return false;
            }
        }

        return IsOverloadedWith(host, vm);
    }

    /// <summary>
    /// Whether LR would surely find the host not overloaded as it is: its forecast (the screen key, which certifies a
    /// full window) stays below the threshold by the slack. Spares building its history and fitting it.
    /// </summary>
    private bool IsSurelyNotOverloaded(int host) => _screenByRegression && _screenRule.SurelyBelowThreshold(ScreenKey(host), added: 0);
}
