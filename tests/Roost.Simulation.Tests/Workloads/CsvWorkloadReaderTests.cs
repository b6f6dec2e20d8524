using Roost.Simulation.Input.Fuzzing;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.Workloads;

public sealed class CsvWorkloadReaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_UnsortedRows_GroupsByVmAndInfersInterval()
    {
        var file = _temp.Write("mix.csv", "vm,time_s,cpu_percent\nb,120,30\na,60,20\nb,60,10\na,120,40\na,180,50\n");

        var workload = CsvWorkloadReader.Read(file);

        Assert.Equal("csv:mix", workload.Name);
        Assert.Equal(TimeSpan.FromSeconds(60), workload.Interval);
        Assert.Equal(["a", "b"], workload.Vms.Select(v => v.Name));
        Assert.Equal([0.2, 0.4, 0.5], workload.Vms[0].Cpu);
        Assert.Equal([0.1, 0.3], workload.Vms[1].Cpu);
    }

    [Fact]
    public void Read_MemoryAndNetwork_AreKept()
    {
        var file = _temp.Write("w.csv", "vm,time_s,cpu_percent,memory_percent,network_kbps\nv,0,10,50,7.5\nv,300,20,25,0\n");

        var vm = CsvWorkloadReader.Read(file).Vms.Single();

        Assert.Equal([0.5, 0.25], vm.Memory!);
        Assert.Equal([7.5, 0.0], vm.NetworkKBps!);
    }

    [Fact]
    public void Read_BadHeader_ShowsTheExpectedOne()
    {
        var file = _temp.Write("w.csv", "vm,time,cpu\nv,0,10\n");

        var error = Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(file));

        Assert.Equal($"{file}: line 1: the header must be 'vm,time_s,cpu_percent[,memory_percent][,network_kbps]', found 'vm,time,cpu'", error.Message);
    }

    [Theory]
    [InlineData("v,300,abc", "line 3: 'abc' is not a CPU percentage")]
    [InlineData("v,300,101", "line 3: '101' is not a CPU percentage (must be 0 to 100)")]
    [InlineData("v,300,-1", "line 3: '-1' is not a CPU percentage (must be 0 to 100)")]
    [InlineData("v,later,1", "line 3: 'later' is not a time in seconds")]
    [InlineData("v,300", "line 3: 2 fields, but the header has 3")]
    [InlineData("v,300,1\nv,700,1", "line 4: time_s 700 is not on the 300 s grid that starts at 0")]
    [InlineData("v,300,1\nv,0,1", "line 4: vm 'v' has a second sample at time_s 0 (first on line 2)")]
    [InlineData("v,600,1\nw,0,1\nw,300,1\nw,600,1", "vm 'v' has no sample at time_s 300 (the interval is 300 s)")]
    public void Read_BadRow_OneClearLine(string rows, string expected)
    {
        var file = _temp.Write("w.csv", $"vm,time_s,cpu_percent\nv,0,5\n{rows}\n");

        var error = Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(file));

        Assert.Equal($"{file}: {expected}", error.Message);
    }

    [Fact]
    public void Read_SingleTime_CannotInferInterval()
    {
        var file = _temp.Write("w.csv", "vm,time_s,cpu_percent\nv,0,5\nw,0,5\n");

        var error = Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(file));

        Assert.Equal($"{file}: every row has the same time_s, so the interval cannot be inferred", error.Message);
    }

    [Fact]
    public void Read_MissingFile_SaysSo()
    {
        var missing = Path.Combine(_temp.Path, "none.csv");

        var error = Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(missing));

        Assert.Equal($"{missing}: no such file", error.Message);
    }

    /// <summary>
    /// Times 0 and 1e300 once made an interval TimeSpan.FromSeconds could not hold (OverflowException); 1e-9 made a
    /// zero interval; a span of millennia overflowed the simulated duration.
    /// </summary>
    [Theory]
    [InlineData("v,0,5\nv,1e300,5", "the interval (the smallest gap between two times) is 1E+300 s; it must be 1 to 86400 s")]
    [InlineData("v,0,5\nv,1e-9,5", "the interval (the smallest gap between two times) is 1E-09 s; it must be 1 to 86400 s")]
    [InlineData("v,0,5\nv,86400,5\nw,0,5\nw,4000000000,5", "time_s runs from 0 to 4000000000, more than the 100 years a workload may span")]
    public void Read_IntervalOrSpanOutOfRange_IsRefused(string rows, string expected)
    {
        var file = _temp.Write("w.csv", $"vm,time_s,cpu_percent\n{rows}\n");

        var error = Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(file));

        Assert.Equal($"{file}: {expected}", error.Message);
    }

    [Theory]
    [InlineData("/dev/zero", "is a character device, not a regular file (a link to /dev/zero)")]
    [InlineData("/dev/urandom", "is a character device, not a regular file (a link to /dev/urandom)")]
    public void Read_LinkToADevice_IsRefused(string device, string expected)
    {
        var link = Path.Combine(_temp.Path, "w.csv");
        File.CreateSymbolicLink(link, device);

        var error = Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(link));

        Assert.Equal($"{link}: {expected}", error.Message);
    }

    [Fact]
    public async Task Read_Fifo_IsRefusedWithoutBlocking()
    {
        var fifo = Path.Combine(_temp.Path, "w.csv");
        SpecialFile.MakeFifo(fifo);

        var read = await Task.Run(() => Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(fifo))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal($"{fifo}: is a named pipe (FIFO), not a regular file", read.Message);
    }

    [Fact]
    public void Read_ControlCharactersInVmName_AreEscaped()
    {
        var file = _temp.Write("w.csv", "vm,time_s,cpu_percent\nv\u001b[2J,0,5\nv\u001b[2J,60,500\n");
        var good = _temp.Write("g.csv", "vm,time_s,cpu_percent\nv\u001b[2J,0,5\nv\u001b[2J,60,50\n");

        var error = Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(file));

        Assert.Equal($"{file}: line 3: '500' is not a CPU percentage (must be 0 to 100)", error.Message);
        Assert.Equal("v\\x1B[2J", CsvWorkloadReader.Read(good).Vms.Single().Name);
    }

    [Fact]
    public void Read_EnormousHeader_IsQuotedShort()
    {
        var file = _temp.Write("w.csv", new string('x', 1 << 20) + "\nv,0,5\n");

        var error = Assert.Throws<WorkloadFormatException>(() => CsvWorkloadReader.Read(file));

        Assert.EndsWith($"found '{new string('x', 40)}...'", error.Message, StringComparison.Ordinal);
    }
}
