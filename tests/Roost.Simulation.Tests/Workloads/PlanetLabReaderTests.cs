using Roost.Simulation.Input.Fuzzing;
using Roost.Simulation.Workloads;
using Xunit.Abstractions;

namespace Roost.Simulation.Tests.Workloads;

public sealed class PlanetLabReaderTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Read_Folder_OrdersFilesOrdinallyAndConvertsPercentToFraction()
    {
        _temp.Write("b_node", "10\n20\n");
        _temp.Write("a_node x", "0\r\n99\r\n");
        _temp.Write("B_node", "100\n50\n\n");

        var workload = PlanetLabReader.Read(_temp.Path);

        Assert.Equal(["B_node", "a_node x", "b_node"], workload.Vms.Select(v => v.Name));
        Assert.Equal([1.0, 0.5], workload.Vms[0].Cpu);
        Assert.Equal([0.0, 0.99], workload.Vms[1].Cpu);
        Assert.Equal([0.1, 0.2], workload.Vms[2].Cpu);
        Assert.Equal(TimeSpan.FromSeconds(300), workload.Interval);
        Assert.Equal(2, workload.Steps);
        Assert.Null(workload.Vms[0].Memory);
    }

    [Fact]
    public void Read_DecimalPercent_IsAccepted()
    {
        _temp.Write("vm", "12.5\n");

        var workload = PlanetLabReader.Read(_temp.Path);

        Assert.Equal(0.125, workload.Vms[0].Cpu[0], 12);
    }

    [Theory]
    [InlineData("abc", "'abc' is not a CPU percentage")]
    [InlineData("-5", "'-5' is not a CPU percentage (must be 0 to 100)")]
    [InlineData("100.5", "'100.5' is not a CPU percentage (must be 0 to 100)")]
    [InlineData("", "'' is not a CPU percentage")]
    [InlineData("NaN", "'NaN' is not a CPU percentage")]
    public void Read_BadValue_NamesFileLineAndValue(string bad, string expected)
    {
        var folder = _temp.SubFolder("day");
        File.WriteAllText(Path.Combine(folder, "node_x"), $"1\n{bad}\n3\n");

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(folder));

        Assert.Equal($"{folder}/node_x: line 2: {expected}", error.Message);
    }

    [Fact]
    public void Read_RelativePath_MessagesUseThePathAsGiven()
    {
        var folder = _temp.SubFolder("day");
        File.WriteAllText(Path.Combine(folder, "node_x"), "1\n2\nabc\n");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, folder) + "/";

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(relative));

        Assert.Equal($"{relative.TrimEnd('/')}/node_x: line 3: 'abc' is not a CPU percentage", error.Message);
    }

    [Fact]
    public void Read_RaggedTrace_NamesTheShortFile()
    {
        _temp.Write("a", "1\n2\n3\n");
        _temp.Write("b", "1\n2\n");

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/b: 2 samples, but {_temp.Path}/a has 3; every VM of a PlanetLab folder needs the same length", error.Message);
    }

    [Fact]
    public void Read_EmptyFolder_SaysSo()
    {
        _temp.Write(".hidden", "1\n");

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}: the folder has no trace files", error.Message);
    }

    [Fact]
    public void Read_MissingFolder_SaysSo()
    {
        var missing = Path.Combine(_temp.Path, "nope");

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(missing));

        Assert.Equal($"{missing}: no such folder", error.Message);
    }

    [Fact]
    public void Read_FileInsteadOfFolder_SaysSo()
    {
        var file = _temp.Write("vm", "1\n");

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(file));

        Assert.Equal($"{file}: is a file, expected a folder of trace files", error.Message);
    }

    [Fact]
    public void Read_EmptyFile_SaysSo()
    {
        _temp.Write("vm", "\n");

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(_temp.Path));

        Assert.Equal($"{_temp.Path}/vm: empty trace (expected one CPU percentage per line)", error.Message);
    }

    [Fact]
    public void Read_Real20110303_Has1052VmsWithPublishedStatistics()
    {
        var folder = SharedTraces.Find("planetlab/20110303");
        if (folder is null)
        {
            output.WriteLine(SharedTraces.SkipMessage("planetlab/20110303"));
            return;
        }

        var workload = PlanetLabReader.Read(folder);
        var stats = CpuStatistics.Of(workload);

        output.WriteLine(stats.ToString());
        Assert.Equal("planetlab:20110303", workload.Name);
        Assert.Equal(1052, workload.Vms.Count);
        Assert.All(workload.Vms, vm => Assert.Equal(288, vm.Length));
        Assert.Equal(12.31, stats.MeanPercent, 2);
        Assert.Equal(17.09, stats.SdPercent, 2);
        Assert.Equal((2.0, 6.0, 15.0), (stats.Q1Percent, stats.MedianPercent, stats.Q3Percent));
        Assert.Contains(workload.Vms, vm => vm.Name.Contains(' ', StringComparison.Ordinal));
        Assert.True(workload.Vms.Zip(workload.Vms.Skip(1)).All(p => string.CompareOrdinal(p.First.Name, p.Second.Name) < 0));
    }

    /// <summary>A FIFO in a trace folder once blocked the reader forever; a link to /dev/zero ran it out of memory.</summary>
    [Theory]
    [InlineData("fifo", "is a named pipe (FIFO), not a regular file")]
    [InlineData("/dev/zero", "is a character device, not a regular file (a link to /dev/zero)")]
    [InlineData("/dev/urandom", "is a character device, not a regular file (a link to /dev/urandom)")]
    public async Task Read_SpecialFileInTheFolder_IsRefusedWithoutBlocking(string special, string expected)
    {
        var folder = _temp.SubFolder("day");
        File.WriteAllText(Path.Combine(folder, "node_a"), "1\n2\n");
        var path = Path.Combine(folder, "node_b");
        if (special == "fifo")
        {
            SpecialFile.MakeFifo(path);
        }
        else
        {
            File.CreateSymbolicLink(path, special);
        }

        var read = await Task.Run(() => Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(folder))).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal($"{folder}/node_b: {expected}", read.Message);
    }

    [Fact]
    public void Read_FolderIsALinkToADevice_SaysSo()
    {
        var link = Path.Combine(_temp.Path, "day");
        File.CreateSymbolicLink(link, "/dev/zero");

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(link));

        Assert.Equal($"{link}: is a character device (a link to /dev/zero), expected a folder of trace files", error.Message);
    }

    [Fact]
    public void Read_ControlCharactersInNameAndContent_AreEscapedInTheMessageAndTheVmName()
    {
        var folder = _temp.SubFolder("day");
        File.WriteAllText(Path.Combine(folder, "node\u001b]0;pwned\u0007"), "1\n\u001b[2J\n");
        File.WriteAllText(Path.Combine(_temp.SubFolder("ok"), "node\u001b[31m"), "1\n2\n");

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(folder));
        var workload = PlanetLabReader.Read(Path.Combine(_temp.Path, "ok"));

        Assert.Equal($"{folder}/node\\x1B]0;pwned\\x07: line 2: '\\x1B[2J' is not a CPU percentage", error.Message);
        Assert.Equal("node\\x1B[31m", workload.Vms.Single().Name);
    }

    [Fact]
    public void Read_FileOverTheLimit_IsRefused()
    {
        var path = Path.Combine(_temp.Path, "node");
        using (var file = File.Create(path))
        {
            file.SetLength(PlanetLabReader.MaxFileBytes + 1);
        }

        var error = Assert.Throws<WorkloadFormatException>(() => PlanetLabReader.Read(_temp.Path));

        Assert.Equal($"{path}: is larger than the 16 MiB limit for this kind of file", error.Message);
    }
}
