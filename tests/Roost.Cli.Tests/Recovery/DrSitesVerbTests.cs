using System.Text.Json;
using Roost.Controller;
using Roost.Controller.Recovery;
using Roost.Controller.Tests;
using Roost.Controller.Tests.Api;
using Roost.Controller.Tests.Recovery;
using Roost.Hypervisor.Recovery;

namespace Roost.Cli.Tests.Recovery;

/// <summary>
/// <c>roost dr sites</c> and <c>roost dr failover|failback --site</c> as processes, against a real controller in this
/// process that watches a cloud site's real status listener (<see cref="TestDrSite"/> records what reaches it); and
/// <c>roost serve --dr-site</c>'s and these verbs' bad input, one line and exit 2 before anything starts.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DrSitesVerbTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-drctl-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Sites_ShowsEachVm_AndFailoverAndFailbackReachTheSiteThroughTheController()
    {
        await using var site = await TestDrSite.StartAsync("site-token");
        using var directory = new TempDirectory();
        DrSiteEndpoint.TryCreate("cloud", site.Address, site.Token, out var endpoint, out _);
        await using var controller = await ControllerApp.StartAsync(ControllerFixture.Options(directory) with { DrSites = [endpoint!] }, default, new ManualTimeProvider());
        await controller.Dr.PollAsync(default);
        string[] target = ["--controller", controller.Address.ToString(), "--token-file", Path.Combine(directory.Path, "token")];

        var table = RoostProcess.Run(["dr", "sites", .. target]);
        var json = RoostProcess.Run(["dr", "sites", "--output", "json", .. target]);
        var failover = RoostProcess.Run(["dr", "failover", "--site", "cloud", "--vm", "3", .. target]);
        var failback = RoostProcess.Run(["dr", "failback", "--site", "cloud", "--vm", "3", "--to", "127.0.0.1:7420", .. target]);
        site.Answers.Enqueue(new DrActionResult.Conflict("vm 3 is failing over already"));
        var refused = RoostProcess.Run(["dr", "failover", "--site", "cloud", "--vm", "3", .. target]);
        var noToken = RoostProcess.Run("dr", "failover", "--site", "cloud", "--vm", "3", "--controller", controller.Address.ToString());

        Assert.True(table.ExitCode == 0, table.Stderr);
        var lines = table.Stdout.TrimEnd().Split('\n');
        Assert.Matches(@"^SITE +VM +MODE +STATE +APPLIED +LAG +RPO +LAST_CHECKPOINT +LAST_CONTACT +FAILOVER_RTO +FAILBACK_MOVED$", lines[0]);
        Assert.Matches(@"^cloud +3 +sync +protected +1200 +10 +0\.5 s +#41 1\.0 s ago +2\.0 s ago +4\.\d s +3\.0 of 64\.0 MiB$", lines[1]);
        Assert.Matches(@"^cloud +4 +protected +0 *$", lines[2]);
        Assert.Equal("", table.Stderr);
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("cloud", JsonSerializer.Deserialize<JsonElement>(json.Stdout)[0].GetProperty("name").GetString());
        Assert.True(failover.ExitCode == 0, failover.Stderr);
        Assert.Matches(@"(?m)^STATE +protected$", failover.Stdout);
        Assert.True(failback.ExitCode == 0, failback.Stderr);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("roost: POST /api/dr/sites/cloud/vms/3/failover: 409 Conflict: DR site cloud: POST /vms/3/failover: vm 3 is failing over already", refused.Stderr.TrimEnd());
        Assert.Equal(2, noToken.ExitCode);
        Assert.StartsWith("roost: POST /api/dr/sites/cloud/vms/3/failover: 401 Unauthorized: ", noToken.Stderr, StringComparison.Ordinal);
        Assert.Equal(["failover 3 command", "failback 3 127.0.0.1:7420", "failover 3 command"], site.Calls);
    }

    [Theory]
    [InlineData("roost dr failover: --site 'Cloud' is not a site name (1 to 32 of a-z, 0-9 and '-', starting with a letter)", "dr", "failover", "--site", "Cloud", "--vm", "3")]
    [InlineData("roost dr failover --site: --vm 'x' is not a VM number (the site's --vm id)", "dr", "failover", "--site", "cloud", "--vm", "x")]
    [InlineData("roost dr failback --site: --to ADDRESS:PORT is required (the recovered primary's 'roost dr failback --listen')", "dr", "failback", "--site", "cloud", "--vm", "3")]
    [InlineData("roost dr failover --site: option '--dir' does not apply here (see 'roost dr --help')", "dr", "failover", "--site", "cloud", "--vm", "3", "--dir", "{dir}")]
    [InlineData("roost dr sites: option '--dir' does not apply here (see 'roost dr --help')", "dr", "sites", "--dir", "{dir}")]
    [InlineData("roost dr: --output 'yaml' is not table, json or csv", "dr", "sites", "--output", "yaml")]
    [InlineData("roost serve: --dr-site cloud: needs --dr-token-file cloud=FILE (the site's --status-token-file)", "serve", "--dr-site", "cloud=127.0.0.1:7412")]
    [InlineData("roost serve: --dr-site 'Cloud' is not a site name (1 to 32 of a-z, 0-9 and '-', starting with a letter)", "serve", "--dr-site", "Cloud=127.0.0.1:7412")]
    [InlineData("roost serve: --dr-site '127.0.0.1:7412' is not NAME=ADDRESS:PORT", "serve", "--dr-site", "127.0.0.1:7412")]
    [InlineData("roost serve: --dr-site cloud: 'localhost:7412' is not ADDRESS:PORT (an IP address and a port from 1, e.g. 127.0.0.1:7412)", "serve", "--dr-site", "cloud=localhost:7412", "--dr-token-file", "cloud={key}")]
    [InlineData("roost serve: --dr-token-file other=…: no --dr-site is named 'other'", "serve", "--dr-site", "cloud=127.0.0.1:7412", "--dr-token-file", "cloud={key}", "--dr-token-file", "other={key}")]
    [InlineData("roost serve: --dr-site: site 'cloud' is given twice", "serve", "--dr-site", "cloud=127.0.0.1:7412", "--dr-site", "cloud=127.0.0.1:7413", "--dr-token-file", "cloud={key}")]
    [InlineData("roost serve: --dr-token-file cloud: {open}: is readable or writable by others (chmod 600 it)", "serve", "--dr-site", "cloud=127.0.0.1:7412", "--dr-token-file", "cloud={open}")]
    public void BadInput_IsOneLine_Exit2(string expected, params string[] args)
    {
        var key = Path.Combine(_folder, "key");
        var open = Path.Combine(_folder, "open");
        File.WriteAllText(key, "site-token\n");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(open, "site-token\n");
        File.SetUnixFileMode(open, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        string Fill(string s) => s.Replace("{dir}", _folder, StringComparison.Ordinal).Replace("{key}", key, StringComparison.Ordinal).Replace("{open}", open, StringComparison.Ordinal);

        var run = RoostProcess.Run([.. args.Select(Fill), .. args[0] == "serve" ? new[] { "--data", Path.Combine(_folder, "data") } : []]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal(Fill(expected), run.Stderr.TrimEnd());
        Assert.False(Directory.Exists(Path.Combine(_folder, "data")), "nothing is started on bad input");
    }
}
