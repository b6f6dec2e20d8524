using System.Globalization;
using Roost.Simulation.Input;

namespace Roost.Simulation.Workloads;

/// <summary>
/// Turns a <c>--workload</c> value into a <see cref="Workload"/>: <c>synthetic[:SEED[:VMS]]</c>, <c>planetlab:DIR</c>,
/// <c>bitbrains:DIR</c> or <c>csv:FILE</c>. Bad values and bad files raise <see cref="WorkloadFormatException"/> with
/// one line for the user.
/// </summary>
public static class WorkloadSource
{
    public const string Default = "synthetic";

    public const string Usage = "synthetic[:SEED[:VMS]], planetlab:DIR, bitbrains:DIR or csv:FILE";

    public const int DefaultSyntheticSeed = 1;

    public static Workload Load(string spec, VmOrder order = VmOrder.Name)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var shown = PrintableText.Shorten(spec, 200);
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? spec : spec[..colon];
        var argument = colon < 0 ? null : spec[(colon + 1)..];
        return kind switch
        {
            "synthetic" => Synthetic(shown, argument),
            "planetlab" => PlanetLabReader.Read(RequirePath(shown, argument, "DIR"), order),
            "bitbrains" => BitbrainsReader.Read(RequirePath(shown, argument, "DIR")),
            "csv" => CsvWorkloadReader.Read(RequirePath(shown, argument, "FILE")),
            _ => throw new WorkloadFormatException($"--workload: unknown workload '{shown}'; expected {Usage}"),
        };
    }

    private static string RequirePath(string shown, string? argument, string what) =>
        string.IsNullOrEmpty(argument)
            ? throw new WorkloadFormatException($"--workload: '{shown}' needs a {what}, e.g. {shown.TrimEnd(':')}:{what}")
            : argument;

    /// <param name="spec">The value as printed in errors (escaped).</param>
    /// <param name="argument">What follows <c>synthetic:</c>, if anything.</param>
    private static Workload Synthetic(string spec, string? argument)
    {
        if (argument is null)
        {
            return SyntheticWorkload.Generate(DefaultSyntheticSeed);
        }

        var parts = argument.Split(':');
        if (parts.Length > 2
            || !int.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seed))
        {
            throw new WorkloadFormatException($"--workload: '{spec}': expected synthetic[:SEED[:VMS]] with an integer SEED");
        }

        if (parts.Length == 1)
        {
            return SyntheticWorkload.Generate(seed);
        }

        return int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var vms) && vms is > 0 and <= SyntheticWorkload.MaxVms
            ? SyntheticWorkload.Generate(seed, vms)
            : throw new WorkloadFormatException(string.Create(
                CultureInfo.InvariantCulture, $"--workload: '{spec}': VMS must be a whole number from 1 to {SyntheticWorkload.MaxVms}"));
    }
}
