using System.Globalization;

namespace Roost.Simulation.Workloads;

/// <summary>
/// Reads Roost's generic CSV workload: one header line <c>vm,time_s,cpu_percent[,memory_percent][,network_kbps]</c>,
/// then one row per VM per sample, in any order. The interval is the smallest gap between distinct times; every time
/// must lie on that grid from the earliest time, and every VM needs a sample at every grid point from the earliest
/// time to its own last one (a VM may end early, not start late or skip). VMs are ordered by name, ordinally.
/// </summary>
internal static class CsvWorkloadReader
{
    public const string Header = "vm,time_s,cpu_percent[,memory_percent][,network_kbps]";

    private const double GridTolerance = 1e-6;

    private readonly record struct Row(int Line, double Time, double Cpu, double Memory, double Network);

    public static Workload Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new WorkloadFormatException($"{path}: is a folder, expected a CSV file");
        }

        if (!File.Exists(path))
        {
            throw new WorkloadFormatException($"{path}: no such file");
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadFormatException($"{path}: cannot read: {e.Message}", e);
        }

        return Parse(lines, path, Path.GetFileNameWithoutExtension(path));
    }

    public static Workload Parse(IReadOnlyList<string> lines, string display, string name)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var (hasMemory, hasNetwork) = ParseHeader(lines.Count > 0 ? lines[0] : "", display);
        var columns = 3 + (hasMemory ? 1 : 0) + (hasNetwork ? 1 : 0);
        var byVm = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        for (var i = 1; i < lines.Count; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length != columns)
            {
                throw new WorkloadFormatException(
                    $"{display}: line {i + 1}: {fields.Length} fields, but the header has {columns}");
            }

            var vm = fields[0].Trim();
            if (vm.Length == 0)
            {
                throw new WorkloadFormatException($"{display}: line {i + 1}: empty vm name");
            }

            var time = Number(fields[1], display, i + 1, "a time in seconds", 0, double.MaxValue);
            var cpu = Number(fields[2], display, i + 1, "a CPU percentage", 0, 100);
            var memory = hasMemory ? Number(fields[3], display, i + 1, "a memory percentage", 0, 100) : 0;
            var network = hasNetwork ? Number(fields[columns - 1], display, i + 1, "a network rate in KB/s", 0, double.MaxValue) : 0;
            if (!byVm.TryGetValue(vm, out var rows))
            {
                rows = [];
                byVm.Add(vm, rows);
            }

            rows.Add(new Row(i + 1, time, cpu, memory, network));
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

    private static (bool HasMemory, bool HasNetwork) ParseHeader(string header, string display)
    {
        var names = header.Split(',').Select(n => n.Trim()).ToArray();
        var valid = names.Length >= 3 && names[0] == "vm" && names[1] == "time_s" && names[2] == "cpu_percent";
        var rest = names.Skip(3).ToArray();
        valid &= rest is [] or ["memory_percent"] or ["network_kbps"] or ["memory_percent", "network_kbps"];
        if (!valid)
        {
            throw new WorkloadFormatException($"{display}: line 1: the header must be '{Header}', found '{header.Trim()}'");
        }

        return (rest.Contains("memory_percent"), rest.Contains("network_kbps"));
    }

    private static double Number(string text, string display, int line, string what, double min, double max)
    {
        var trimmed = text.Trim();
        if (!double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            throw new WorkloadFormatException($"{display}: line {line}: '{trimmed}' is not {what}");
        }

        if (value < min || value > max)
        {
            var range = max == double.MaxValue ? "must not be negative" : $"must be {min} to {max}";
            throw new WorkloadFormatException($"{display}: line {line}: '{trimmed}' is not {what} ({range})");
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

        return (times[0], interval);
    }

    private static VmTrace ToTrace(
        string name, List<Row> rows, double start, double interval, bool hasMemory, bool hasNetwork, string display)
    {
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
                    $"{display}: line {row.Line}: vm '{name}' has a second sample at time_s {row.Time} (first on line {rows[k - 1].Line})");
            }

            if (rounded > k)
            {
                throw new WorkloadFormatException(
                    $"{display}: vm '{name}' has no sample at time_s {start + (k * interval)} (the interval is {interval} s)");
            }

            cpu[k] = row.Cpu / 100.0;
            memory?[k] = row.Memory / 100.0;
            network?[k] = row.Network;
        }

        return new VmTrace(name, cpu, memory, network);
    }
}
