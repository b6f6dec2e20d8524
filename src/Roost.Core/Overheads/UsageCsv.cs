using System.Globalization;
using System.Text;

namespace Roost.Core.Overheads;

/// <summary>
/// The CSV files of MOVE (docs/move.md): a native profile (<c>time_s</c> and metric columns) for prediction, benchmark
/// samples (<c>benchmark</c>, metric columns, <c>guest_cpu_pct</c>, <c>emulation_cpu_pct</c>) for fitting, and the
/// predicted virtual trace. Columns are named by the header and may come in any order; lines starting with '#' and
/// blank lines are skipped. Pure: lines in, records out; every error is one line naming the source, the line and the
/// column (<c>app.csv: line 9: net_rx_bytes_per_s: 'NaN' is not a finite number ≥ 0</c>).
/// </summary>
public static class UsageCsv
{
    public const string TimeColumn = "time_s";

    public const string BenchmarkColumn = "benchmark";

    public const string GuestColumn = "guest_cpu_pct";

    public const string EmulationColumn = "emulation_cpu_pct";

    public const string VirtualColumn = "virtual_cpu_pct";

    /// <summary>More columns than this is not a usage file (there are 15 known column names).</summary>
    private const int MaxColumns = 64;

    /// <summary>Reads a native profile: a <c>time_s</c> column (strictly increasing) and at least one metric column.</summary>
    public static NativeProfile ParseProfile(IEnumerable<string> lines, string source)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(source);
        var times = new List<double>();
        var samples = new List<NativeUsage>();
        var header = ForEachRow(lines, source, [TimeColumn], [TimeColumn], (header, fields, lineNumber) =>
        {
            var time = header.Number(fields, TimeColumn, source, lineNumber);
            if (times.Count > 0 && !(time > times[^1]))
            {
                throw new OverheadFormatException(string.Create(
                    CultureInfo.InvariantCulture, $"{source}: line {lineNumber}: {TimeColumn}: {time} does not follow {times[^1]} (times must increase)"));
            }

            times.Add(time);
            samples.Add(header.Usage(fields, source, lineNumber));
        });
        return new NativeProfile(times, samples, header.Metrics);
    }

    /// <summary>
    /// Reads benchmark samples: a <c>benchmark</c> name, at least one metric, the measured <c>guest_cpu_pct</c> and
    /// <c>emulation_cpu_pct</c>, and optionally <c>time_s</c> (not used by the fit). Returns the samples and the metric
    /// columns present (the candidates for selection).
    /// </summary>
    public static (IReadOnlyList<BenchmarkSample> Samples, IReadOnlyList<NativeMetric> Metrics) ParseSamples(IEnumerable<string> lines, string source)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(source);
        var samples = new List<BenchmarkSample>();
        string[] required = [BenchmarkColumn, GuestColumn, EmulationColumn];
        var header = ForEachRow(lines, source, required, [.. required, TimeColumn], (header, fields, lineNumber) =>
        {
            var benchmark = fields[header.IndexOf(BenchmarkColumn)].Trim();
            if (benchmark.Length == 0 || benchmark.Length > 200 || !InputText.IsPrintable(benchmark))
            {
                throw new OverheadFormatException($"{source}: line {lineNumber}: {BenchmarkColumn}: expected a name of 1–200 printable characters");
            }

            if (header.IndexOf(TimeColumn) >= 0)
            {
                header.Number(fields, TimeColumn, source, lineNumber);
            }

            var measured = new VirtualCpu(
                header.Number(fields, GuestColumn, source, lineNumber),
                header.Number(fields, EmulationColumn, source, lineNumber));
            samples.Add(new BenchmarkSample(benchmark, header.Usage(fields, source, lineNumber), measured));
        });
        return (samples, header.Metrics);
    }

    /// <summary>A native profile with every metric: <c>time_s</c> then the metrics in <see cref="NativeMetric"/> order.</summary>
    public static string FormatProfile(IReadOnlyList<double> timesSeconds, IReadOnlyList<NativeUsage> samples)
    {
        ArgumentNullException.ThrowIfNull(timesSeconds);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNotEqual(samples.Count, timesSeconds.Count, nameof(samples));
        var text = new StringBuilder(TimeColumn);
        foreach (var metric in NativeMetrics.All)
        {
            text.Append(',').Append(NativeMetrics.Name(metric));
        }

        text.Append('\n');
        for (var i = 0; i < samples.Count; i++)
        {
            text.Append(Show(timesSeconds[i]));
            foreach (var metric in NativeMetrics.All)
            {
                text.Append(',').Append(Show(samples[i][metric]));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Training samples as <see cref="ParseSamples"/> reads them: <c>benchmark,time_s</c>, every metric in
    /// <see cref="NativeMetric"/> order, then <c>guest_cpu_pct,emulation_cpu_pct</c>. Benchmark names must already be
    /// valid (printable, no comma or quote).
    /// </summary>
    public static string FormatSamples(IReadOnlyList<double> timesSeconds, IReadOnlyList<BenchmarkSample> samples)
    {
        ArgumentNullException.ThrowIfNull(timesSeconds);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNotEqual(samples.Count, timesSeconds.Count, nameof(samples));
        var text = new StringBuilder(BenchmarkColumn).Append(',').Append(TimeColumn);
        foreach (var metric in NativeMetrics.All)
        {
            text.Append(',').Append(NativeMetrics.Name(metric));
        }

        text.Append(',').Append(GuestColumn).Append(',').Append(EmulationColumn).Append('\n');
        for (var i = 0; i < samples.Count; i++)
        {
            var sample = samples[i];
            if (sample.Benchmark.Any(c => c is ',' or '"' || char.IsControl(c)))
            {
                throw new ArgumentException($"benchmark name '{sample.Benchmark}' cannot be written to a CSV field", nameof(samples));
            }

            text.Append(sample.Benchmark).Append(',').Append(Show(timesSeconds[i]));
            foreach (var metric in NativeMetrics.All)
            {
                text.Append(',').Append(Show(sample.Native[metric]));
            }

            text.Append(',').Append(Show(sample.Virtual.GuestPct)).Append(',').Append(Show(sample.Virtual.EmulationPct)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The predicted virtual trace: <c>time_s,guest_cpu_pct,emulation_cpu_pct,virtual_cpu_pct</c>, one line per sample.</summary>
    public static string FormatVirtualTrace(IReadOnlyList<double> timesSeconds, IReadOnlyList<VirtualCpu> predicted)
    {
        ArgumentNullException.ThrowIfNull(timesSeconds);
        ArgumentNullException.ThrowIfNull(predicted);
        ArgumentOutOfRangeException.ThrowIfNotEqual(predicted.Count, timesSeconds.Count, nameof(predicted));
        var text = new StringBuilder();
        text.Append(TimeColumn).Append(',').Append(GuestColumn).Append(',').Append(EmulationColumn).Append(',').Append(VirtualColumn).Append('\n');
        for (var i = 0; i < predicted.Count; i++)
        {
            text.Append(Show(timesSeconds[i])).Append(',')
                .Append(Show(predicted[i].GuestPct)).Append(',')
                .Append(Show(predicted[i].EmulationPct)).Append(',')
                .Append(Show(predicted[i].TotalPct)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Reads the header (the first line that is not blank or a comment), then calls <paramref name="row"/> with the
    /// fields of each data line and its 1-based line number. Fails unless there is at least one data line.
    /// </summary>
    private static Header ForEachRow(IEnumerable<string> lines, string source, string[] required, string[] allowed, Action<Header, string[], int> row)
    {
        Header? header = null;
        var lineNumber = 0;
        var rows = 0;
        foreach (var line in lines)
        {
            lineNumber++;
            var trimmed = line.AsSpan().Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
            {
                continue;
            }

            if (header is null)
            {
                header = Header.Parse(line, source, lineNumber, required, allowed);
                continue;
            }

            row(header, header.Split(line, source, lineNumber), lineNumber);
            rows++;
        }

        return header is not null && rows > 0
            ? header
            : throw new OverheadFormatException($"{source}: no samples (expected a header line and one line per sample; see docs/move.md)");
    }

    private static string Show(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>The column layout of one file, from its header line.</summary>
    private sealed class Header
    {
        private readonly string[] _names;
        private readonly (NativeMetric Metric, int Index)[] _metrics;

        private Header(string[] names, (NativeMetric, int)[] metrics)
        {
            _names = names;
            _metrics = metrics;
        }

        public IReadOnlyList<NativeMetric> Metrics => _metrics.Select(m => m.Metric).Order().ToArray();

        public static Header Parse(string line, string source, int lineNumber, string[] required, string[] allowed)
        {
            var names = line.Split(',').Select(n => n.Trim()).ToArray();
            if (names.Length > MaxColumns)
            {
                throw new OverheadFormatException(string.Create(
                    CultureInfo.InvariantCulture, $"{source}: line {lineNumber}: {names.Length} columns; a usage file has at most {MaxColumns}"));
            }

            var metrics = new List<(NativeMetric, int)>();
            for (var i = 0; i < names.Length; i++)
            {
                if (Array.IndexOf(names, names[i]) != i)
                {
                    throw new OverheadFormatException($"{source}: line {lineNumber}: column {InputText.Quote(names[i])} appears twice");
                }

                if (NativeMetrics.TryParse(names[i], out var metric))
                {
                    metrics.Add((metric, i));
                }
                else if (!allowed.Contains(names[i], StringComparer.Ordinal))
                {
                    throw new OverheadFormatException(
                        $"{source}: line {lineNumber}: unknown column {InputText.Quote(names[i])} (expected {string.Join(", ", allowed)} or a native metric; see docs/move.md)");
                }
            }

            if (required.FirstOrDefault(r => !names.Contains(r, StringComparer.Ordinal)) is { } missing)
            {
                throw new OverheadFormatException($"{source}: line {lineNumber}: the header has no {missing} column");
            }

            if (metrics.Count == 0)
            {
                throw new OverheadFormatException($"{source}: line {lineNumber}: the header names no native metric (see docs/move.md)");
            }

            return new Header(names, [.. metrics]);
        }

        public int IndexOf(string name) => Array.IndexOf(_names, name);

        public string[] Split(string line, string source, int lineNumber)
        {
            var fields = line.Split(',');
            return fields.Length == _names.Length
                ? fields
                : throw new OverheadFormatException(string.Create(
                    CultureInfo.InvariantCulture, $"{source}: line {lineNumber}: {fields.Length} fields, but the header has {_names.Length}"));
        }

        public double Number(string[] fields, string column, string source, int lineNumber) =>
            Parse(fields[IndexOf(column)], column, source, lineNumber);

        public NativeUsage Usage(string[] fields, string source, int lineNumber)
        {
            var values = new double[NativeMetrics.Count];
            foreach (var (metric, index) in _metrics)
            {
                values[(int)metric] = Parse(fields[index], NativeMetrics.Name(metric), source, lineNumber);
            }

            return new NativeUsage(values);
        }

        private static double Parse(string field, string column, string source, int lineNumber)
        {
            var text = field.Trim();
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) && value >= 0
                ? value
                : throw new OverheadFormatException($"{source}: line {lineNumber}: {column}: {InputText.Quote(text)} is not a finite number ≥ 0");
        }
    }
}
