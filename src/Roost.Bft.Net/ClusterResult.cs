using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Roost.Bft.Net;

/// <summary>
/// What one cluster run measured: requests answered in the window, throughput, latency percentiles, ZZ's wake-ups
/// and freezes, the highest view an agreement replica installed (0: no view change), and in fault mode the time from the first wrong reply to the answer of every request in flight then.
/// </summary>
public sealed record ClusterResult(
    string Mode,
    long Requests,
    double WindowSeconds,
    double MedianLatencyMs,
    double P90LatencyMs,
    int Freezes,
    int Thaws,
    string Freezer,
    double? RecoveryMs,
    long Errors,
    long View = 0)
{
    public double Throughput => Requests / WindowSeconds;

    /// <summary>One line, <c>result key=value ...</c>, that <see cref="TryParse"/> reads back.</summary>
    public string Format() => string.Create(CultureInfo.InvariantCulture,
        $"result mode={Mode} requests={Requests} window-s={WindowSeconds:F3} throughput={Throughput:F2} median-ms={MedianLatencyMs:F2} p90-ms={P90LatencyMs:F2} "
        + $"freezes={Freezes} thaws={Thaws} freezer={Freezer.Replace(' ', '_')} recovery-ms={(RecoveryMs is { } r ? r.ToString("F1", CultureInfo.InvariantCulture) : "none")} errors={Errors} view={View}");

    /// <summary>Reads a line of <see cref="Format"/>; false for any other line (a later field of one name wins).</summary>
    public static bool TryParse(string line, [NotNullWhen(true)] out ClusterResult? result)
    {
        ArgumentNullException.ThrowIfNull(line);
        result = null;
        if (!line.StartsWith("result ", StringComparison.Ordinal))
        {
            return false;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in line[7..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Split('=', 2)).Where(p => p.Length == 2))
        {
            fields[pair[0]] = pair[1];
        }

        double D(string key) => double.Parse(fields[key], CultureInfo.InvariantCulture);
        try
        {
            result = new ClusterResult(
                fields["mode"],
                long.Parse(fields["requests"], CultureInfo.InvariantCulture),
                D("window-s"),
                D("median-ms"),
                D("p90-ms"),
                int.Parse(fields["freezes"], CultureInfo.InvariantCulture),
                int.Parse(fields["thaws"], CultureInfo.InvariantCulture),
                fields["freezer"].Replace('_', ' '),
                fields["recovery-ms"] == "none" ? null : D("recovery-ms"),
                long.Parse(fields["errors"], CultureInfo.InvariantCulture),
                long.Parse(fields["view"], CultureInfo.InvariantCulture));
            return true;
        }
        catch (Exception e) when (e is KeyNotFoundException or FormatException or OverflowException)
        {
            return false;
        }
    }
}
