using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// A baseline policy of Beloglazov &amp; Buyya 2012, named as on the command line: <c>npa</c>, <c>dvfs</c>, or
/// <c>&lt;thr|iqr|mad|lr|lrr&gt;-&lt;mmt|mu|rs|mc&gt;-&lt;parameter&gt;</c>.
/// </summary>
public sealed class ConsolidationPolicy
{
    private const double FallbackThreshold = 0.7;

    private ConsolidationPolicy(string name, PolicyKind kind, IOverloadDetector? detector, Func<Random, IVmSelectionPolicy>? selection)
    {
        Name = name;
        Kind = kind;
        Detector = detector;
        _selection = selection;
    }

    private readonly Func<Random, IVmSelectionPolicy>? _selection;

    public string Name { get; }

    public PolicyKind Kind { get; }

    /// <summary>The overload detector; null for NPA and DVFS.</summary>
    public IOverloadDetector? Detector { get; }

    /// <summary>A fresh selection policy; <paramref name="random"/> feeds RS and is ignored by the others.</summary>
    public IVmSelectionPolicy CreateSelection(Random random) =>
        _selection?.Invoke(random) ?? throw new InvalidOperationException($"policy {Name} migrates no VMs");

    public static bool TryParse(string text, TimeSpan schedulingInterval, [NotNullWhen(true)] out ConsolidationPolicy? policy, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        policy = null;
        var name = text.Trim().ToLowerInvariant();
        switch (name)
        {
            case "npa":
                policy = new ConsolidationPolicy(name, PolicyKind.NonPowerAware, null, null);
                error = string.Empty;
                return true;
            case "dvfs":
                policy = new ConsolidationPolicy(name, PolicyKind.Dvfs, null, null);
                error = string.Empty;
                return true;
        }

        var parts = name.Split('-', 3);
        if (parts.Length != 3)
        {
            error = $"'{text}' is not a policy: use npa, dvfs or <thr|iqr|mad|lr|lrr>-<mmt|mu|rs|mc>-<parameter>, e.g. lr-mmt-1.2";
            return false;
        }

        if (!double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var parameter) || parameter < 0 || !double.IsFinite(parameter))
        {
            error = $"'{text}': parameter '{parts[2]}' is not a finite non-negative number";
            return false;
        }

        Func<Random, IVmSelectionPolicy>? selection = parts[1] switch
        {
            "mmt" => _ => new MinimumMigrationTimeSelection(),
            "mu" => _ => new MinimumUtilizationSelection(),
            "rs" => random => new RandomSelection(random),
            "mc" => _ => new MaximumCorrelationSelection(new MinimumMigrationTimeSelection()),
            _ => null,
        };
        if (selection is null)
        {
            error = $"'{text}': unknown VM selection '{parts[1]}' (use mmt, mu, rs or mc)";
            return false;
        }

        var fallback = new StaticThresholdDetector(FallbackThreshold);
        IOverloadDetector? detector;
        try
        {
            detector = parts[0] switch
            {
                "thr" => new StaticThresholdDetector(parameter),
                "iqr" => new InterQuartileRangeDetector(parameter, fallback),
                "mad" => new MedianAbsoluteDeviationDetector(parameter, fallback),
                "lr" => new LocalRegressionDetector(parameter, schedulingInterval, robust: false, fallback),
                "lrr" => new LocalRegressionDetector(parameter, schedulingInterval, robust: true, fallback),
                _ => null,
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            error = $"'{text}': parameter {parts[2]} is out of range for {parts[0]}";
            return false;
        }

        if (detector is null)
        {
            error = $"'{text}': unknown overload detection '{parts[0]}' (use thr, iqr, mad, lr or lrr)";
            return false;
        }

        policy = new ConsolidationPolicy(name, PolicyKind.DynamicConsolidation, detector, selection);
        error = string.Empty;
        return true;
    }

    public override string ToString() => Name;
}
