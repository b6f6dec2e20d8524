namespace Roost.Simulation.DataCenter;

/// <summary>Work split over every core in contiguous ranges, in order, so that per-range results can be combined in the serial order.</summary>
internal static class Cores
{
    /// <summary>Runs <paramref name="body"/>(from, to, part) on [0, count) split into one contiguous range per core, at once.</summary>
    public static void InParts(int count, Action<int, int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var parts = Environment.ProcessorCount;
        var chunk = (count + parts - 1) / parts;
        Parallel.For(0, parts, part => body(Math.Min(count, part * chunk), Math.Min(count, (part + 1) * chunk), part));
    }
}
