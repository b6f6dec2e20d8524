namespace Roost.Core.Sharing;

/// <summary>Which estimator a planner uses for the pages a VM would share with a host (see <see cref="SharingEstimator"/>).</summary>
public enum SharingEstimateKind
{
    /// <summary>VM hash list against the host's hash list: exact, O(|VM| + |host|).</summary>
    ListList,

    /// <summary>VM hash list against the host's Bloom filter, corrected for false positives: O(|VM|·k).</summary>
    ListBloom,

    /// <summary>VM Bloom filter against the host's, from zero-bit counts: O(m/64).</summary>
    BloomBloom,
}
