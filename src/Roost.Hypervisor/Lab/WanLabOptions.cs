using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// What a WAN lab is: how many sites, each site's access link rate (each way), and the round-trip time the relay
/// adds between any two sites. Defaults: 2 sites, 100 Mbit/s, 40 ms (the CloudNet issue's link). The one
/// validation path for the CLI, the test fixture and the state file.
/// </summary>
public sealed partial record WanLabOptions(int Sites, BitRate Bandwidth, TimeSpan RoundTrip)
{
    public const int MinSites = 2;
    public const int MaxSites = 8;

    /// <summary>The most bytes in flight (bandwidth × round trip) the relay will hold: its queues are twice that per site.</summary>
    public const long MaxBandwidthDelayBytes = 64L * 1024 * 1024;

    public static readonly BitRate MinBandwidth = new(100_000);
    public static readonly BitRate MaxBandwidth = new(10_000_000_000);
    public static readonly TimeSpan MaxRoundTrip = TimeSpan.FromSeconds(2);

    public static WanLabOptions Default { get; } = new(2, BitRate.FromMegabits(100), TimeSpan.FromMilliseconds(40));

    /// <summary>Bytes a link holds in flight: bandwidth × round trip.</summary>
    public long BandwidthDelayBytes => (long)(Bandwidth.BitsPerSecond / 8.0 * RoundTrip.TotalSeconds);

    /// <summary>Null when valid, else one line naming the option at fault.</summary>
    public string? Validate()
    {
        if (Sites is < MinSites or > MaxSites)
        {
            return $"--sites {Sites} is not from {MinSites} to {MaxSites}";
        }

        if (Bandwidth.BitsPerSecond < MinBandwidth.BitsPerSecond || Bandwidth.BitsPerSecond > MaxBandwidth.BitsPerSecond)
        {
            return $"--bandwidth {Bandwidth} is not from {MinBandwidth} to {MaxBandwidth}";
        }

        if (RoundTrip < TimeSpan.Zero || RoundTrip > MaxRoundTrip)
        {
            return $"--rtt {FormatDuration(RoundTrip)} is not from 0 to {FormatDuration(MaxRoundTrip)}";
        }

        return BandwidthDelayBytes > MaxBandwidthDelayBytes
            ? $"--bandwidth {Bandwidth} × --rtt {FormatDuration(RoundTrip)} holds {BandwidthDelayBytes / (1024 * 1024)} MiB in flight, more than {MaxBandwidthDelayBytes / (1024 * 1024)} MiB"
            : null;
    }

    /// <summary>Parses the CLI's text (null: the default) and validates the result.</summary>
    public static bool TryParse(
        string? sites,
        string? bandwidth,
        string? roundTrip,
        [NotNullWhen(true)] out WanLabOptions? options,
        [NotNullWhen(false)] out string? error)
    {
        options = null;
        var siteCount = Default.Sites;
        if (sites is not null && !int.TryParse(sites, NumberStyles.None, CultureInfo.InvariantCulture, out siteCount))
        {
            error = $"--sites '{sites}' is not a whole number from {MinSites} to {MaxSites}";
            return false;
        }

        var rate = Default.Bandwidth;
        if (bandwidth is not null)
        {
            if (!BitRate.TryParse(bandwidth, out var parsed))
            {
                error = $"--bandwidth '{bandwidth}' is not a rate such as 500kbit, 100mbit or 1gbit";
                return false;
            }

            rate = parsed.Value;
        }

        var rtt = Default.RoundTrip;
        if (roundTrip is not null && !TryParseDuration(roundTrip, out rtt))
        {
            error = $"--rtt '{roundTrip}' is not a duration such as 0, 250us, 40ms or 1s";
            return false;
        }

        var candidate = new WanLabOptions(siteCount, rate, rtt);
        error = candidate.Validate();
        options = error is null ? candidate : null;
        return error is null;
    }

    /// <summary>Parses <c>0</c>, <c>250us</c>, <c>40ms</c>, <c>1.5s</c> (microsecond precision).</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }

        var match = DurationPattern().Match(text);
        if (!match.Success || !decimal.TryParse(match.Groups[1].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }

        var microseconds = number * match.Groups[2].Value switch
        {
            "us" => 1m,
            "ms" => 1_000m,
            _ => 1_000_000m,
        };
        if (microseconds != decimal.Truncate(microseconds) || microseconds > 3_600_000_000m)
        {
            return false;
        }

        duration = TimeSpan.FromMicroseconds((long)microseconds);
        return true;
    }

    /// <summary>The shortest exact form: <c>0</c>, <c>250us</c>, <c>40ms</c>, <c>2s</c>.</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        var microseconds = duration.Ticks / 10;
        return microseconds switch
        {
            0 => "0",
            var us when us % 1_000_000 == 0 => $"{us / 1_000_000}s",
            var us when us % 1_000 == 0 => $"{us / 1_000}ms",
            var us => $"{us}us",
        };
    }

    public override string ToString() => $"{Sites} sites, {Bandwidth}, rtt {FormatDuration(RoundTrip)}";

    [GeneratedRegex(@"^([0-9]{1,10}(?:\.[0-9]{1,6})?)(us|ms|s)\z")]
    private static partial Regex DurationPattern();
}
