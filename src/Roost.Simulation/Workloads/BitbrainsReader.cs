using System.Globalization;
using Roost.Simulation.Input;

namespace Roost.Simulation.Workloads;

/// <summary>
/// Reads the GWA-T-12 Bitbrains format: a folder with one file per VM, fields separated by ';' and a TAB, one header
/// line and 11 columns (timestamp, cores, CPU capacity MHz, CPU usage MHz, CPU usage %, memory provisioned KB,
/// memory usage KB, disk read KB/s, disk write KB/s, network received KB/s, network transmitted KB/s).
/// </summary>
/// <remarks>
/// Timestamps are Unix seconds (despite the header's "[ms]"). Samples come every ~300 s with jitter that accumulates
/// (up to +8 s against a 300 s grid in the July day-1 slice) and a few gaps, so each file is resampled onto the grid
/// <c>t0 + k · 300 s</c> from its first timestamp: grid point <c>g</c> takes the last sample at or before
/// <c>g + 150 s</c> (half an interval), which is the nearest sample for drifting data and holds the previous value
/// across a gap. CPU usage % becomes a fraction (capped at 1: a few samples report up to 105.7 %); memory is usage
/// over that row's provisioned memory (or the largest provisioned in the file when the row says 0), capped at 1;
/// network is received + transmitted KB/s.
/// </remarks>
internal static class BitbrainsReader
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);

    /// <summary>Largest file read: 64 MiB is about 500,000 rows, 5 years at 300 s (a month is 1 MiB).</summary>
    public const long MaxFileBytes = 64L << 20;

    /// <summary>Most CPU cores a VM may declare (the shape is a whole number of cores).</summary>
    public const int MaxCores = 4096;

    /// <summary>
    /// Grid points a file may resample to beyond two per row: one week. Gaps may hold the previous value, but a trace
    /// never grows to more than twice its rows plus a week, so a gap of years between two rows cannot allocate years of
    /// samples. The real traces need at most 1.05 points per row (the longest gap in 2013-7 is 31.5 h).
    /// </summary>
    public const int GridAllowancePoints = 7 * 288;

    private const int Columns = 11;
    private const double IntervalSeconds = 300;

    private static readonly string[] _columnNames =
    [
        "timestamp", "CPU cores", "CPU capacity provisioned [MHZ]", "CPU usage [MHZ]", "CPU usage [%]",
        "memory capacity provisioned [KB]", "memory usage [KB]", "disk read throughput [KB/s]",
        "disk write throughput [KB/s]", "network received throughput [KB/s]", "network transmitted throughput [KB/s]",
    ];

    /// <summary>Numeric file names (<c>2.csv</c> before <c>10.csv</c>) by number, then the rest ordinally.</summary>
    private static readonly Comparer<string> _fileOrder = Comparer<string>.Create((a, b) =>
    {
        var aNumber = long.TryParse(Path.GetFileNameWithoutExtension(a), out var x);
        var bNumber = long.TryParse(Path.GetFileNameWithoutExtension(b), out var y);
        return (aNumber, bNumber) switch
        {
            (true, true) when x != y => x.CompareTo(y),
            (true, false) => -1,
            (false, true) => 1,
            _ => StringComparer.Ordinal.Compare(a, b),
        };
    });

    public static Workload Read(string directory)
    {
        var files = TraceFolder.List(directory, _fileOrder);
        var vms = new VmTrace[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var (open, display) = files[i];
            var name = PrintableText.Escape(Path.GetFileNameWithoutExtension(open));
            vms[i] = ParseVm(TraceFolder.ReadAllBytes(open, display, MaxFileBytes).Span, display, name);
        }

        return new Workload($"bitbrains:{TraceFolder.LeafName(directory)}", Interval, vms);
    }

    public static VmTrace ParseVm(ReadOnlySpan<byte> text, string display, string name)
    {
        var body = text.TrimEnd(" \t\r\n"u8);
        var rest = body;
        var header = TraceText.NextLine(ref rest);
        var headerFields = header.Count((byte)';') + 1;
        if (headerFields != Columns)
        {
            throw new WorkloadFormatException(
                $"{display}: line 1: the header has {headerFields} columns separated by ';', expected {Columns} (GWA-T-12 Bitbrains)");
        }

        var rows = TraceText.CountLines(rest);
        if (rows == 0)
        {
            throw new WorkloadFormatException($"{display}: no samples after the header");
        }

        var time = new double[rows];
        var cpu = new double[rows];
        var memoryUsedKb = new double[rows];
        var memoryProvisionedKb = new double[rows];
        var network = new double[rows];
        double cores = 0, capacityMhz = 0, largestMemoryKb = 0;
        Span<double> fields = stackalloc double[Columns];
        for (var r = 0; r < rows; r++)
        {
            var lineNumber = r + 2;
            ParseRow(TraceText.NextLine(ref rest), fields, display, lineNumber);
            if (r > 0 && fields[0] < time[r - 1])
            {
                throw new WorkloadFormatException(
                    $"{display}: line {lineNumber}: timestamp {fields[0]} is earlier than the previous row's {time[r - 1]}");
            }

            if (fields[1] > MaxCores)
            {
                throw new WorkloadFormatException(
                    $"{display}: line {lineNumber}: {Show(fields[1])} CPU cores is more than the {MaxCores} a VM may have");
            }

            if (!double.IsFinite(fields[9] + fields[10]))
            {
                throw new WorkloadFormatException(
                    $"{display}: line {lineNumber}: the network throughput {Show(fields[9])} + {Show(fields[10])} KB/s is not a finite number");
            }

            time[r] = fields[0];
            cpu[r] = Math.Min(fields[4] / 100.0, 1.0);
            memoryProvisionedKb[r] = fields[5];
            memoryUsedKb[r] = fields[6];
            network[r] = fields[9] + fields[10];
            cores = Math.Max(cores, fields[1]);
            capacityMhz = Math.Max(capacityMhz, fields[2]);
            largestMemoryKb = Math.Max(largestMemoryKb, fields[5]);
        }

        var memory = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            var provisioned = memoryProvisionedKb[r] > 0 ? memoryProvisionedKb[r] : largestMemoryKb;
            memory[r] = provisioned > 0 ? Math.Min(memoryUsedKb[r] / provisioned, 1.0) : 0.0;
        }

        // Cores = 0 marks missing metadata (15 of the July day-1 VMs): the shape is then unknown.
        var shape = cores >= 1 && capacityMhz > 0
            ? new VmTraceShape((int)cores, capacityMhz, largestMemoryKb / 1024.0)
            : null;
        var points = Math.Floor((time[^1] - time[0] + (IntervalSeconds / 2)) / IntervalSeconds) + 1;
        var mostPoints = (2.0 * rows) + GridAllowancePoints;
        if (points > mostPoints)
        {
            throw new WorkloadFormatException(
                $"{display}: line {rows + 1}: timestamp {Show(time[^1])} is {Show(time[^1] - time[0])} s after the first ({Show(time[0])}), "
                + $"which needs {Show(points)} samples of 300 s for {rows} rows; at most 2 per row plus a week ({Show(mostPoints)}) are allowed");
        }

        var grid = GridIndices(time);
        return new VmTrace(name, Pick(cpu, grid), Pick(memory, grid), Pick(network, grid), shape);
    }

    /// <summary>For each 300 s grid point from the first timestamp, the index of the row that supplies it.</summary>
    internal static int[] GridIndices(ReadOnlySpan<double> time)
    {
        const double Tolerance = IntervalSeconds / 2;
        var start = time[0];
        var points = (int)Math.Floor((time[^1] - start + Tolerance) / IntervalSeconds) + 1;
        var indices = new int[points];
        var row = 0;
        for (var k = 0; k < points; k++)
        {
            var limit = start + (k * IntervalSeconds) + Tolerance;
            while (row + 1 < time.Length && time[row + 1] <= limit)
            {
                row++;
            }

            indices[k] = row;
        }

        return indices;
    }

    private static double[] Pick(double[] values, int[] indices)
    {
        var picked = new double[indices.Length];
        for (var k = 0; k < indices.Length; k++)
        {
            picked[k] = values[indices[k]];
        }

        return picked;
    }

    private static string Show(double value) =>
        value.ToString(Math.Abs(value) < 1e15 ? "0.###" : "G6", CultureInfo.InvariantCulture);

    private static void ParseRow(ReadOnlySpan<byte> line, Span<double> fields, string display, int lineNumber)
    {
        var found = line.Count((byte)';') + 1;
        if (found != Columns)
        {
            throw new WorkloadFormatException(
                $"{display}: line {lineNumber}: {found} columns separated by ';', expected {Columns}");
        }

        var rest = line;
        for (var c = 0; c < Columns; c++)
        {
            var end = rest.IndexOf((byte)';');
            var field = TraceText.Trim(end < 0 ? rest : rest[..end]);
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (!TraceText.TryParseNumber(field, out var value) || value < 0)
            {
                var what = c == 4 ? "a CPU percentage" : $"a valid {_columnNames[c]}";
                throw new WorkloadFormatException($"{display}: line {lineNumber}: {TraceText.Quote(field)} is not {what}");
            }

            fields[c] = value;
        }
    }
}
