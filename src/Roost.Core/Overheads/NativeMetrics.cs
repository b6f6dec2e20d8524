namespace Roost.Core.Overheads;

/// <summary>The names of <see cref="NativeMetric"/> in files (CSV headers, model JSON) and what each one measures.</summary>
public static class NativeMetrics
{
    public const int Count = 11;

    private static readonly string[] _names =
    [
        "cpu_user_pct",
        "cpu_system_pct",
        "cpu_iowait_pct",
        "net_rx_packets_per_s",
        "net_tx_packets_per_s",
        "net_rx_bytes_per_s",
        "net_tx_bytes_per_s",
        "disk_reads_per_s",
        "disk_writes_per_s",
        "disk_read_blocks_per_s",
        "disk_write_blocks_per_s",
    ];

    private static readonly string[] _descriptions =
    [
        "CPU in user space, percent of one core",
        "CPU in the kernel, percent of one core",
        "CPU idle waiting for I/O, percent of one core",
        "network packets received per second",
        "network packets sent per second",
        "network bytes received per second",
        "network bytes sent per second",
        "disk read requests per second",
        "disk write requests per second",
        "disk 512-byte blocks read per second",
        "disk 512-byte blocks written per second",
    ];

    /// <summary>Every metric, in <see cref="NativeMetric"/> order.</summary>
    public static IReadOnlyList<NativeMetric> All { get; } = Enumerable.Range(0, Count).Select(i => (NativeMetric)i).ToArray();

    public static string Name(NativeMetric metric) => _names[Index(metric)];

    public static string Description(NativeMetric metric) => _descriptions[Index(metric)];

    /// <summary>The metric a file names, compared exactly (names are lower case with underscores).</summary>
    public static bool TryParse(string? name, out NativeMetric metric)
    {
        var index = Array.IndexOf(_names, name);
        metric = (NativeMetric)Math.Max(index, 0);
        return index >= 0;
    }

    private static int Index(NativeMetric metric)
    {
        var index = (int)metric;
        ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(metric));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count, nameof(metric));
        return index;
    }
}
