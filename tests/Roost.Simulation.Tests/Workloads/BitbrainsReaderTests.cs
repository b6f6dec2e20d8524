using Roost.Simulation.Workloads;
using Xunit.Abstractions;

namespace Roost.Simulation.Tests.Workloads;

public sealed class BitbrainsReaderTests(ITestOutputHelper output) : IDisposable
{
    private const string Header =
        "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\t"
        + "Memory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\t"
        + "Disk write throughput [KB/s];\tNetwork received throughput [KB/s];\tNetwork transmitted throughput [KB/s]\n";

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Row(long time, double cpuPercent, double memoryProvisionedKb = 1024, double memoryUsedKb = 512, int cores = 2) =>
        $"{time};\t{cores};\t5000.5;\t100;\t{cpuPercent};\t{memoryProvisionedKb};\t{memoryUsedKb};\t0.0;\t1.5;\t2.25;\t0.75\n";

    [Fact]
    public void Read_File_ConvertsUnitsAndShape()
    {
        _temp.Write("1.csv", Header + Row(1000, 12.5) + Row(1300, 105.7, 2048, 512));

        var vm = BitbrainsReader.Read(_temp.Path).Vms.Single();

        Assert.Equal("1", vm.Name);
        Assert.Equal([0.125, 1.0], vm.Cpu);
        Assert.Equal([0.5, 0.25], vm.Memory!);
        Assert.Equal([3.0, 3.0], vm.NetworkKBps!);
        Assert.Equal(new VmTraceShape(2, 5000.5, 2.0), vm.Shape);
    }

    [Fact]
    public void Read_NumericNames_OrderByNumber()
    {
        _temp.Write("10.csv", Header + Row(0, 1));
        _temp.Write("2.csv", Header + Row(0, 2));
        _temp.Write("x.csv", Header + Row(0, 3));

        var workload = BitbrainsReader.Read(_temp.Path);

        Assert.Equal(["2", "10", "x"], workload.Vms.Select(v => v.Name));
    }

    [Fact]
    public void Read_JitterDriftAndGap_ResamplesOntoThe300sGrid()
    {
        // Samples drift late by up to 8 s (as in the July data) and one is missing (t0 + 900 s).
        _temp.Write("1.csv", Header + Row(1000, 1) + Row(1301, 2) + Row(1605, 3) + Row(2508, 5) + Row(2807, 6));

        var vm = BitbrainsReader.Read(_temp.Path).Vms.Single();

        // Grid 1000, 1300, 1600, 1900 (gap: holds 3), 2200 (holds 3), 2500, 2800.
        Assert.Equal([0.01, 0.02, 0.03, 0.03, 0.03, 0.05, 0.06], vm.Cpu);
    }

    [Fact]
    public void Read_ProvisionedMemoryZero_UsesLargestProvisionedOrZero()
    {
        _temp.Write("1.csv", Header + Row(0, 1, 0, 512) + Row(300, 1, 2048, 1024));
        _temp.Write("2.csv", Header + Row(0, 1, 0, 512, cores: 0));

        var workload = BitbrainsReader.Read(_temp.Path);

        Assert.Equal([0.25, 0.5], workload.Vms[0].Memory!);
        Assert.Equal([0.0], workload.Vms[1].Memory!);
        Assert.Null(workload.Vms[1].Shape);
    }

    [Fact]
    public void Read_BadColumnCount_NamesFileAndLine()
    {
        _temp.Write("7.csv", Header + Row(0, 1) + "300;\t2;\t5000\n");

        var error = Assert.Throws<WorkloadFormatException>(() => BitbrainsReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/7.csv: line 3: 3 columns separated by ';', expected 11", error.Message);
    }

    [Fact]
    public void Read_BadHeader_NamesFile()
    {
        _temp.Write("7.csv", "time,cpu\n" + Row(0, 1));

        var error = Assert.Throws<WorkloadFormatException>(() => BitbrainsReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/7.csv: line 1: the header has 1 columns separated by ';', expected 11 (GWA-T-12 Bitbrains)", error.Message);
    }

    [Theory]
    [InlineData("abc", "'abc' is not a CPU percentage")]
    [InlineData("-1", "'-1' is not a CPU percentage")]
    public void Read_BadCpu_NamesFileLineAndValue(string bad, string expected)
    {
        _temp.Write("7.csv", Header + Row(0, 1) + Row(300, 1).Replace(";\t1;\t1024", $";\t{bad};\t1024", StringComparison.Ordinal));

        var error = Assert.Throws<WorkloadFormatException>(() => BitbrainsReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/7.csv: line 3: {expected}", error.Message);
    }

    [Fact]
    public void Read_TimestampGoingBack_NamesLine()
    {
        _temp.Write("7.csv", Header + Row(600, 1) + Row(300, 1));

        var error = Assert.Throws<WorkloadFormatException>(() => BitbrainsReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/7.csv: line 3: timestamp 300 is earlier than the previous row's 600", error.Message);
    }

    [Fact]
    public void Read_HeaderOnly_SaysSo()
    {
        _temp.Write("7.csv", Header);

        var error = Assert.Throws<WorkloadFormatException>(() => BitbrainsReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/7.csv: no samples after the header", error.Message);
    }

    [Fact]
    public void Read_RealDay1_Has425Vms()
    {
        var folder = SharedTraces.Find("bitbrains-rnd/2013-7-day1");
        if (folder is null)
        {
            output.WriteLine(SharedTraces.SkipMessage("bitbrains-rnd/2013-7-day1"));
            return;
        }

        var workload = BitbrainsReader.Read(folder);
        var stats = CpuStatistics.Of(workload);

        output.WriteLine(stats.ToString());
        Assert.Equal(425, workload.Vms.Count);
        Assert.All(workload.Vms, vm => Assert.InRange(vm.Length, 286, 288));
        Assert.Equal(410, workload.Vms.Count(vm => vm.Shape is not null));
        Assert.InRange(stats.MeanPercent, 4.2, 5.2);
    }

    /// <summary>
    /// A gap of years between two rows once resampled to billions of 300 s points: an OverflowException (1e12 s), or
    /// gigabytes (1e9 s, 3.3 million points for two rows). Now the grid may hold at most 2 points per row plus a week.
    /// </summary>
    [Theory]
    [InlineData(1_000_000_000_000)]
    [InlineData(1_000_000_000)]
    [InlineData(1_000_000)]
    public void Read_GapOfYears_IsRefusedWithoutAllocatingIt(long gapSeconds)
    {
        _temp.Write("1.csv", Header + Row(1000, 5) + Row(1000 + gapSeconds, 6));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<WorkloadFormatException>(() => BitbrainsReader.Read(_temp.Path));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.StartsWith($"{_temp.Path}/1.csv: line 3: timestamp {1000 + gapSeconds} is {gapSeconds} s after the first (1000)", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("at most 2 per row plus a week (2020) are allowed", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes for a two-row file");
    }

    /// <summary>The longest gap of the real 2013-7 traces (31.5 h) is within the allowance.</summary>
    [Fact]
    public void Read_GapOfADay_HoldsTheValue()
    {
        _temp.Write("1.csv", Header + Row(0, 10) + Row(113_400, 20));

        var vm = BitbrainsReader.Read(_temp.Path).Vms.Single();

        Assert.Equal(379, vm.Length);
        Assert.Equal(0.1, vm.Cpu[377]);
        Assert.Equal(0.2, vm.Cpu[378]);
    }

    /// <summary>1e300 cores once overflowed the conversion to a whole number of cores (OverflowException).</summary>
    [Fact]
    public void Read_HugeCoreCount_IsRefused()
    {
        _temp.Write("1.csv", Header + Row(0, 5).Replace(";\t2;", ";\t1e300;", StringComparison.Ordinal));

        var error = Assert.Throws<WorkloadFormatException>(() => BitbrainsReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/1.csv: line 2: 1E+300 CPU cores is more than the 4096 a VM may have", error.Message);
    }

    [Fact]
    public void Read_NetworkSumThatOverflows_IsRefused()
    {
        _temp.Write("1.csv", Header + Row(0, 5).Replace("2.25;\t0.75", "1.7e308;\t1.7e308", StringComparison.Ordinal));

        var error = Assert.Throws<WorkloadFormatException>(() => BitbrainsReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/1.csv: line 2: the network throughput 1.7E+308 + 1.7E+308 KB/s is not a finite number", error.Message);
    }
}
