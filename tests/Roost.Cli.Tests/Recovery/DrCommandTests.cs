using System.Xml.Linq;

namespace Roost.Cli.Tests.Recovery;

/// <summary>
/// <c>roost dr</c> as a process: the cost table, CSV and SVG it writes; bad input to every verb as one line naming
/// what and where, with exit 2, before anything is started (no root, no QEMU needed).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
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

    [Theory]
    [InlineData("roost dr: expected cost, serve, export, bench, protect, failover, failback or sites (see 'roost dr --help')", "replicate")]
    [InlineData("roost dr protect: --to ADDRESS:PORT is required (got '')", "protect", "--mode", "sync")]
    [InlineData("roost dr protect: --to ADDRESS:PORT is required (got 'site2')", "protect", "--to", "site2")]
    [InlineData("roost dr protect: --mode 'fast' is not async, sync or pipelined", "protect", "--to", "127.0.0.1:7411", "--secret-file", "{key}", "--mode", "fast")]
    [InlineData("roost dr protect: --vm '0:64' is not ID:SIZE_MIB (a VM id from 1, a size from 1 MiB)", "protect", "--to", "127.0.0.1:7411", "--secret-file", "{key}", "--mode", "sync", "--vm", "0:64")]
    [InlineData("roost dr protect: nic address '10.77.1.5' must be an IPv4 address with a prefix length from 8 to 30, e.g. 10.70.0.5/24", "protect", "--to", "127.0.0.1:7411", "--secret-file", "{key}", "--mode", "sync", "--vm", "1:64", "--run", "{dir}/run", "--address", "10.77.1.5")]
    [InlineData("roost dr failover: --bridge 'br0;reboot' is not an interface name", "failover", "--dir", "{dir}", "--vm", "1:64", "--run", "{dir}/run", "--address", "10.77.1.5/24", "--bridge", "br0;reboot")]
    [InlineData("roost dr failover: --dir {dir}: holds no journal of vm-1", "failover", "--dir", "{dir}", "--vm", "1:64", "--run", "{dir}/run", "--address", "10.77.1.5/24", "--bridge", "br0")]
    [InlineData("roost dr export: --dir {dir}: holds no journal of vm-1", "export", "--dir", "{dir}", "--vm", "1:64", "--out", "{dir}/out.img")]
    [InlineData("roost dr export: --out {key}: exists; give a new file", "export", "--dir", "{dir}", "--vm", "1:64", "--out", "{key}")]
    [InlineData("roost dr export: --acked-log {dir}/acked: line 1: '1 x 3' is not CLIENT SEQ ROW", "export", "--dir", "{dir}", "--vm", "1:64", "--out", "{dir}/out.img", "--acked-log", "{dir}/acked")]
    [InlineData("roost dr bench: --service ADDRESS:PORT is required (got '10.77.1.5')", "bench", "--service", "10.77.1.5")]
    [InlineData("roost dr: --loss-after '0' is not a number from 0.01 to 86400", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--loss-after", "0")]
    [InlineData("roost dr serve: --status-listen needs --status-token-file (an owner-only file holding the bearer token)", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--status-listen", "127.0.0.1:7412")]
    [InlineData("roost dr serve: --status-listen 'localhost:80' is not ADDRESS:PORT (port 0 picks a free one)", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--status-listen", "localhost:80")]
    [InlineData("roost dr serve: --bridge is for booting warm replicas here: give them with --guest ID=ADDRESS/PREFIX", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--bridge", "br0")]
    [InlineData("roost dr serve: --guest '2=10.0.0.5/24' is not ID=ADDRESS/PREFIX with ID one of the --vm", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--guest", "2=10.0.0.5/24")]
    [InlineData("roost dr serve: --guest needs --run DIR (where replicas are exported and booted)", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--guest", "1=10.0.0.5/24", "--bridge", "br0")]
    [InlineData("roost dr serve: --bridge 'br0;x' is not an interface name", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--guest", "1=10.0.0.5/24", "--bridge", "br0;x", "--run", "{dir}/run")]
    [InlineData("roost dr serve: --guest 1: nic address '10.0.0.5' must be an IPv4 address with a prefix length from 8 to 30, e.g. 10.70.0.5/24", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--guest", "1=10.0.0.5")]
    [InlineData("roost dr serve: --guest 1 is given twice", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--guest", "1=10.0.0.5/24", "--guest", "1=10.0.0.6/24")]
    [InlineData("roost dr serve: --status-token-file {dir}/acked: is readable or writable by others (chmod 600 it)", "serve", "--listen", "127.0.0.1:7411", "--dir", "{dir}/site", "--secret-file", "{key}", "--vm", "1:1", "--status-listen", "127.0.0.1:0", "--status-token-file", "{dir}/acked")]
    public void Verbs_BadInput_OneLineExit2(string expected, params string[] arguments)
    {
        var key = Path.Combine(_folder, "key");
        File.WriteAllBytes(key, new byte[32]);
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllLines(Path.Combine(_folder, "acked"), ["1 x 3", "1 2 3"]);
        File.SetUnixFileMode(Path.Combine(_folder, "acked"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        string Fill(string text) => text.Replace("{key}", key, StringComparison.Ordinal).Replace("{dir}", _folder, StringComparison.Ordinal);

        var run = RoostProcess.Run(["dr", .. arguments.Select(Fill)]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(Fill(expected), run.Stderr.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_folder, "run")), "bad input must be refused before the run directory is made");
    }
}
