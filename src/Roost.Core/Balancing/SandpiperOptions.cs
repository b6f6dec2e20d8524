using Roost.Core.Monitoring;

namespace Roost.Core.Balancing;

/// <summary>Sandpiper's knobs. Defaults follow the paper where it gives one.</summary>
public sealed record SandpiperOptions
{
    public static SandpiperOptions Default { get; } = new();

    /// <summary>The k-of-n plus forecast hotspot test (k = 3, n = 5, threshold 0.75).</summary>
    public HotspotRule Rule { get; init; } = HotspotRule.Default;

    public ProvisioningOptions Provisioning { get; init; } = ProvisioningOptions.Default;

    /// <summary>
    /// Fraction of a host's capacity its VMs' profiled needs may fill after a planned action. Null means the hotspot
    /// threshold, so an action never plans a host into a new hotspot. A host whose needs exceed it must be relieved.
    /// </summary>
    public double? TargetCeiling { get; init; }

    /// <summary>A VM that started moving less than this long ago is not moved again (no ping-pong).</summary>
    public TimeSpan CoolDown { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>At most this many colder VMs go the other way in one swap.</summary>
    public int MaxSwapPartners { get; init; } = 3;

    /// <summary>Swaps are sought on at most this many of the least-loaded hosts (bounds planning time).</summary>
    public int MaxSwapTargets { get; init; } = 32;

    public double Ceiling => TargetCeiling ?? Rule.Threshold;
}
