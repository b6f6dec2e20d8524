using System.Diagnostics.CodeAnalysis;
using Roost.Core.Sharing;

namespace Roost.Simulation.Sharing;

/// <summary>The placement policies the sharing model runs, by the names <c>roost simulate --policy</c> takes.</summary>
public static class SharingPolicies
{
    public const string Usage = "mem-first-fit (sharing-oblivious), memory-buddies (Bloom∩Bloom), memory-buddies-list (list∩Bloom), memory-buddies-exact (list∩list)";

    public static IReadOnlyList<string> Names { get; } = ["mem-first-fit", "memory-buddies", "memory-buddies-list", "memory-buddies-exact"];

    /// <summary>True if <paramref name="name"/> is one of <see cref="Names"/>.</summary>
    public static bool IsSharingPolicy(string name) => Names.Contains(name.Trim().ToLowerInvariant());

    public static bool TryParse(string text, [NotNullWhen(true)] out SharingSimulatedPolicy? policy, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        var name = text.Trim().ToLowerInvariant();
        policy = name switch
        {
            "mem-first-fit" => new SharingSimulatedPolicy(name, new SharingObliviousFirstFit(), null),
            "memory-buddies" => Aware(name, new SharingPlacementOptions(SharingEstimateKind.BloomBloom)),
            "memory-buddies-list" => Aware(name, new SharingPlacementOptions(SharingEstimateKind.ListBloom)),
            "memory-buddies-exact" => Aware(name, SharingPlacementOptions.Exact),
            _ => null,
        };
        error = policy is null ? $"'{text}' is not a sharing policy ({Usage})" : string.Empty;
        return policy is not null;
    }

    private static SharingSimulatedPolicy Aware(string name, SharingPlacementOptions options) =>
        new(name, new SharingAwarePlacement(options), options.Estimate);
}
