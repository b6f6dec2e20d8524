using System.Diagnostics.CodeAnalysis;
using Roost.Core.Balancing.Consolidation;

namespace Roost.Simulation.DataCenter;

/// <summary>A policy <c>roost simulate</c> can run: a Beloglazov &amp; Buyya baseline or a Sandpiper variant. Closed set.</summary>
public abstract record SimulatedPolicy
{
    private SimulatedPolicy()
    {
    }

    public abstract string Name { get; }

    /// <summary>npa, dvfs, thr/iqr/mad/lr/lrr-… (CloudSim semantics).</summary>
    public sealed record Baseline(ConsolidationPolicy Policy) : SimulatedPolicy
    {
        public override string Name => Policy.Name;
    }

    /// <summary><c>sandpiper</c>, <c>sandpiper-graybox</c>, each optionally <c>+consolidate</c>.</summary>
    public sealed record Sandpiper(bool GrayBox, bool Consolidate) : SimulatedPolicy
    {
        public override string Name => (GrayBox ? "sandpiper-graybox" : "sandpiper") + (Consolidate ? "+consolidate" : string.Empty);
    }

    public const string Usage = "npa, dvfs, <thr|iqr|mad|lr|lrr>-<mmt|mu|rs|mc>-<parameter>, sandpiper, sandpiper-graybox, sandpiper+consolidate, sandpiper-graybox+consolidate";

    public static bool TryParse(string text, TimeSpan schedulingInterval, [NotNullWhen(true)] out SimulatedPolicy? policy, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = text.Trim().ToLowerInvariant();
        var consolidate = name.EndsWith("+consolidate", StringComparison.Ordinal);
        var core = consolidate ? name[..^"+consolidate".Length] : name;
        if (core is "sandpiper" or "sandpiper-graybox")
        {
            policy = new Sandpiper(core == "sandpiper-graybox", consolidate);
            error = string.Empty;
            return true;
        }

        policy = null;
        if (consolidate)
        {
            error = $"'{text}': only sandpiper and sandpiper-graybox take +consolidate";
            return false;
        }

        if (!ConsolidationPolicy.TryParse(name, schedulingInterval, out var baseline, out error))
        {
            return false;
        }

        policy = new Baseline(baseline);
        return true;
    }
}
