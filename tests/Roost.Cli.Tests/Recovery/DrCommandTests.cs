using System.Xml.Linq;

namespace Roost.Cli.Tests.Recovery;

/// <summary><c>roost dr cost</c> as a process: the table, CSV and SVG it writes, and bad input as one line with exit 2.</summary>
public sealed class DrCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-dr-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Cost_WritesTableCsvAndPlot()
    {
        var csv = Path.Combine(_folder, "dr.csv");
        var svg = Path.Combine(_folder, "dr.svg");

        var run = RoostProcess.Run("dr", "cost", "--prices", "current", "--app", "web", "--out", csv, "--plot", svg, "--price", "cloud-server-hour=1");

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("cloud-server-hour set to 1", run.Stdout, StringComparison.Ordinal);
        var lines = File.ReadAllLines(csv);
        Assert.Equal(4, lines.Length); // header and web × 3 mechanisms
        Assert.StartsWith("web,continuous,7,", lines[2], StringComparison.Ordinal);
        var plot = XDocument.Load(svg);
        Assert.Equal(3, plot.Descendants().Count(e => e.Name.LocalName == "polyline"));
    }

    [Theory]
    [InlineData("roost dr cost: --mechanism 'nightly' is not one of periodic, continuous, hot-standby", "--mechanism", "nightly")]
    [InlineData("roost dr cost: --price cloud-in-gb: 'x' is not a number (USD per GB)", "--price", "cloud-in-gb=x")]
    [InlineData("roost dr cost: --prices '1999' is not 2010 or current", "--prices", "1999")]
    public void Cost_BadInput_OneLineExit2(string expected, string option, string value)
    {
        var run = RoostProcess.Run("dr", "cost", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(expected, run.Stderr.TrimEnd());
    }
}
