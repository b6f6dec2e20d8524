using System.Globalization;

namespace Roost.Core.Migration.Stream;

/// <summary>
/// CloudNet's smart stop-and-copy rule (Wood et al., VEE 2011, §3.3): stop pre-copying once the dirty set has stopped
/// shrinking, instead of iterating until QEMU's downtime target is met (which a busy guest may never allow).
/// </summary>
public sealed record SmartStopOptions
{
    /// <summary>How many earlier passes (bulk pass excluded) the new dirty set is compared with.</summary>
    public int Window { get; init; } = 3;

    /// <summary>The least relative shrink, against the smallest dirty set of the window, that counts as progress.</summary>
    public double MinShrink { get; init; } = 0.1;

    /// <summary>Passes after which the rule stops whatever the trend (Xen's limit, which CloudNet kept).</summary>
    public int MaxRounds { get; init; } = 30;

    /// <summary>Null when every value is in range, else one line naming the first that is not.</summary>
    public string? Validate() =>
        Window is < 1 or > 100 ? Line(nameof(Window), Window, "from 1 to 100")
        : !(MinShrink is >= 0 and < 1) ? string.Create(CultureInfo.InvariantCulture, $"smart stop option {nameof(MinShrink)} {MinShrink} is not from 0 (inclusive) to 1")
        : MaxRounds is < 2 or > 1000 ? Line(nameof(MaxRounds), MaxRounds, "from 2 to 1000")
        : null;

    private static string Line(string name, int value, string range) =>
        string.Create(CultureInfo.InvariantCulture, $"smart stop option {name} {value} is not {range}");
}
