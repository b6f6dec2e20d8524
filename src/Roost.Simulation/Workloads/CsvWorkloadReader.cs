using System.Globalization;
using System.Text;
using Roost.Simulation.Input;

namespace Roost.Simulation.Workloads;

/// <summary>
/// Reads Roost's generic CSV workload: one header line <c>vm,time_s,cpu_percent[,memory_percent][,network_kbps]</c>,
/// then one row per VM per sample, in any order. The interval is the smallest gap between distinct times; every time
/// must lie on that grid from the earliest time, and every VM needs a sample at every grid point from the earliest
/// time to its own last one (a VM may end early, not start late or skip). VMs are ordered by name, ordinally.
/// </summary>
/// <remarks>
/// Bounded by what it reads: at most <see cref="MaxFileBytes"/>, one row record per line, and a trace never longer
/// than its VM's rows (a sample at every grid point is required). The interval must be
/// <see cref="MinIntervalSeconds"/> to <see cref="MaxIntervalSeconds"/> and the times span at most
/// <see cref="MaxSpanSeconds"/>, so that the simulated time of any trace is representable.
/// </remarks>
internal static class CsvWorkloadReader
{
    public const string Header = "vm,time_s,cpu_percent[,memory_percent][,network_kbps]";

    /// <summary>Largest file read: 256 MiB, about 10 million rows.</summary>
    public const long MaxFileBytes = 256L << 20;

    public const double MinIntervalSeconds = 1;

    public const double MaxIntervalSeconds = 86_400;

    /// <summary>100 years of 365.25 days.</summary>
    public const double MaxSpanSeconds = 100 * 365.25 * 86_400;

    /// <summary>Longest VM name, in bytes of UTF-8.</summary>
    public const int MaxNameBytes = 256;

    private const double GridTolerance = 1e-6;

    private readonly record struct Row(int Line, double Time, double Cpu, double Memory, double Network);

    public static Workload Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var display = PrintableText.Escape(path);
        return InputFile.Read(path, MaxFileBytes) switch
        {
            InputFileResult.Read read => Parse(read.Bytes.Span, display, PrintableText.Escape(Path.GetFileNameWithoutExtension(path))),
            InputFileResult.Refused refused => throw new WorkloadFormatException($"{display}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    /// <param name="text">The file's bytes (UTF-8).</param>
    /// <param name="display">The file as errors name it (printable).</param>
    /// <param name="name">The workload's name after <c>csv:</c> (printable).</param>
    public static Workload Parse(ReadOnlySpan<byte> text, string display, string name)
    {
        ArgumentNullException.ThrowIfNull(display);
        var rest = text;
        var (hasMemory, hasNetwork) = ParseHeader(TraceText.NextLine(ref rest), display);
        var columns = 3 + (hasMemory ? 1 : 0) + (hasNetwork ? 1 : 0);
        var byVm = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        var lookup = byVm.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> vmName = stackalloc char[MaxNameBytes];
        for (var lineNumber = 2; !rest.IsEmpty; lineNumber++)
        {
            var line = TraceText.NextLine(ref rest);
            if (line.IsEmpty)
            {
                continue;
            }

            var found = line.Count((byte)',') + 1;
            if (found != columns)
            {
                throw new WorkloadFormatException($"{display}: line {lineNumber}: {found} fields, but the header has {columns}");
            }

            var vmField = TraceText.Trim(NextField(ref line));
            if (vmField.IsEmpty)
            {
                throw new WorkloadFormatException($"{display}: line {lineNumber}: empty vm name");
            }

            if (vmField.Length > MaxNameBytes)
            {
                throw new WorkloadFormatException(
                    $"{display}: line {lineNumber}: vm name {TraceText.Quote(vmField)} is longer than {MaxNameBytes} bytes");
            }

            var time = Number(NextField(ref line), display, lineNumber, "a time in seconds", 0, double.MaxValue);
            var cpu = Number(NextField(ref line), display, lineNumber, "a CPU percentage", 0, 100);
            var memory = hasMemory ? Number(NextField(ref line), display, lineNumber, "a memory percentage", 0, 100) : 0;
            var network = hasNetwork ? Number(NextField(ref line), display, lineNumber, "a network rate in KB/s", 0, double.MaxValue) : 0;
            var key = vmName[..Encoding.UTF8.GetChars(vmField, vmName)];
            if (!lookup.TryGetValue(key, out var rows))
            {
                rows = [];
                lookup[key] = rows;
            }

            rows.Add(new Row(lineNumber, time, cpu, memory, network));
        }

        if (byVm.Count == 0)
        {
            throw new WorkloadFormatException($"{display}: no samples after the header");
        }

        var (start, interval) = InferGrid(byVm.Values.SelectMany(r => r), display);
        var names = byVm.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        var vms = new VmTrace[names.Length];
        for (var v = 0; v < names.Length; v++)
        {
            vms[v] = ToTrace(names[v], byVm[names[v]], start, interval, hasMemory, hasNetwork, display);
        }

        return new Workload($"csv:{name}", TimeSpan.FromSeconds(interval), vms);
    }

    private static ReadOnlySpan<byte> NextField(ref ReadOnlySpan<byte> line)
    {
        var comma = line.IndexOf((byte)',');
        var field = comma < 0 ? line : line[..comma];
        line = comma < 0 ? [] : line[(comma + 1)..];
        return field;
    }

    private static (bool HasMemory, bool HasNetwork) ParseHeader(ReadOnlySpan<byte> header, string display)
    {
        const int Longest = 80;
        var names = header.Length > Longest
            ? []
            : Encoding.UTF8.GetString(header).Split(',').Select(n => n.Trim()).ToArray();
        var valid = names.Length >= 3 && names[0] == "vm" && names[1] == "time_s" && names[2] == "cpu_percent";
        var rest = names.Skip(3).ToArray();
        valid &= rest is [] or ["memory_percent"] or ["network_kbps"] or ["memory_percent", "network_kbps"];
        if (!valid)
        {
            throw new WorkloadFormatException($"{display}: line 1: the header must be '{Header}', found {TraceText.Quote(header)}");
        }

        return (rest.Contains("memory_percent"), rest.Contains("network_kbps"));
    }

    private static double Number(ReadOnlySpan<byte> text, string display, int line, string what, double min, double max)
    {
        var trimmed = TraceText.Trim(text);
        if (!TraceText.TryParseNumber(trimmed, out var value))
        {
            throw new WorkloadFormatException($"{display}: line {line}: {TraceText.Quote(trimmed)} is not {what}");
        }

        if (value < min || value > max)
        {
            var range = max == double.MaxValue ? "must not be negative" : $"must be {min} to {max}";
            throw new WorkloadFormatException($"{display}: line {line}: {TraceText.Quote(trimmed)} is not {what} ({range})");
        }

        return value;
    }

    private static (double Start, double Interval) InferGrid(IEnumerable<Row> rows, string display)
    {
        var times = rows.Select(r => r.Time).Distinct().Order().ToArray();
        if (times.Length < 2)
        {
            throw new WorkloadFormatException($"{display}: every row has the same time_s, so the interval cannot be inferred");
        }

        var interval = double.MaxValue;
        for (var i = 1; i < times.Length; i++)
        {
            interval = Math.Min(interval, times[i] - times[i - 1]);
        }

        if (interval is < MinIntervalSeconds or > MaxIntervalSeconds)
        {
            throw new WorkloadFormatException(string.Create(
                CultureInfo.InvariantCulture,
                $"{display}: the interval (the smallest gap between two times) is {interval} s; it must be {MinIntervalSeconds} to {MaxIntervalSeconds} s"));
        }

        if (times[^1] - times[0] > MaxSpanSeconds)
        {
            throw new WorkloadFormatException(string.Create(
                CultureInfo.InvariantCulture,
                $"{display}: time_s runs from {times[0]} to {times[^1]}, more than the 100 years a workload may span"));
        }

        return (times[0], interval);
    }

    private static VmTrace ToTrace(
        string name, List<Row> rows, double start, double interval, bool hasMemory, bool hasNetwork, string display)
    {
        var shown = PrintableText.Escape(name);
        rows.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Line.CompareTo(b.Line));
        var cpu = new double[rows.Count];
        var memory = hasMemory ? new double[rows.Count] : null;
        var network = hasNetwork ? new double[rows.Count] : null;
        var steps = new double[rows.Count];
        for (var k = 0; k < rows.Count; k++)
        {
            var row = rows[k];
            var step = (row.Time - start) / interval;
            steps[k] = Math.Round(step);
            if (Math.Abs(step - steps[k]) > GridTolerance * Math.Max(1, steps[k]))
            {
                throw new WorkloadFormatException(
                    $"{display}: line {row.Line}: time_s {row.Time} is not on the {interval} s grid that starts at {start}");
            }
        }

        for (var k = 0; k < rows.Count; k++)
        {
            var row = rows[k];
            var rounded = steps[k];
            if (rounded < k)
            {
                throw new WorkloadFormatException(
                    $"{display}: line {row.Line}: vm '{shown}' has a second sample at time_s {row.Time} (first on line {rows[k - 1].Line})");
            }

            if (rounded > k)
            {
                throw new WorkloadFormatException(
                    $"{display}: vm '{shown}' has no sample at time_s {start + (k * interval)} (the interval is {interval} s)");
            }

            cpu[k] = row.Cpu / 100.0;
            memory?[k] = row.Memory / 100.0;
            network?[k] = row.Network;
        }

        return new VmTrace(shown, cpu, memory, network);
    }
}
