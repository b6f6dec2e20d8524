using Roost.Controller;
using Roost.Controller.Tests.Api;

namespace Roost.Cli.Tests.Client;

/// <summary>
/// How the client verbs fail: one line on stderr, nothing on stdout; exit 2 when the request was wrong (an unknown verb
/// or option, a bad value, an unreachable controller, a 4xx answer), 1 when the controller failed (a 5xx answer).
/// </summary>
public sealed class ClientFailureTests
{
    private static readonly Dictionary<string, string> _noEnvironment = [];

    private static void AssertOneLine(ControllerUnderTest.Outcome outcome, int exitCode, string expected)
    {
        Assert.Equal(exitCode, outcome.ExitCode);
        Assert.Equal("", outcome.Stdout);
        Assert.Equal(expected + "\n", outcome.Stderr);
    }

    [Fact]
    public async Task BadInput_IsOneLine_AndExit2()
    {
        await using var c = await ControllerUnderTest.StartAsync();

        AssertOneLine(await c.RoostAsync("vm", "frobnicate"), 2, "roost vm: unknown command 'frobnicate' (see 'roost vm --help')");
        AssertOneLine(await c.RoostAsync("vm", "list", "--colour"), 2, "roost vm list: unknown option '--colour' (see 'roost vm list --help')");
        AssertOneLine(await c.RoostAsync("vm", "migrate", "vm-001"), 2, "roost vm migrate: option '--to' is required (see 'roost vm migrate --help')");
        AssertOneLine(await c.RoostAsync("vm", "list", "-o", "yaml"), 2, "roost vm list: option '--output': argument 'yaml' not recognized. Must be one of: 'table' 'json' 'csv' (see 'roost vm list --help')");
        AssertOneLine(await c.RoostAsync("vm", "show", "nothing"), 2, "roost: GET /api/vms/nothing: 404 Not Found: no VM is named 'nothing'");
        AssertOneLine(await c.RoostAsync("vm", "create", "big", "--cpus", "4", "--memory", "99999"), 2,
            "roost: POST /api/vms: 409 Conflict: (cpu 4 cores, mem 99999 MiB, net 0 Mbps) can never fit: no host can hold it even when empty (CPU counted 1.5x)");
        AssertOneLine(await ControllerUnderTest.RunWithEnvironmentAsync(_noEnvironment, "vm", "stop", "vm-001", "--controller", c.Url), 2,
            "roost: POST /api/vms/vm-001/stop: 401 Unauthorized: this request changes state and needs 'Authorization: Bearer TOKEN' (the token is in the controller's data directory, file 'token') (give the token: --token-file F, ROOST_TOKEN_FILE or ROOST_TOKEN)");
        AssertOneLine(await ControllerUnderTest.RunAsync(["vm", "list", "--controller", "ftp://example/"], default), 2, "roost: controller 'ftp://example/' is not an http(s)://HOST[:PORT] URL");
    }

    [Fact]
    public async Task UnreachableController_IsOneLine_AndExit2()
    {
        var outcome = await ControllerUnderTest.RunWithEnvironmentAsync(new Dictionary<string, string> { ["ROOST_CONTROLLER"] = "http://127.0.0.1:1" }, "host", "list");

        AssertOneLine(outcome, 2, "roost: controller http://127.0.0.1:1/: unreachable: connection refused (is 'roost serve' running there?) (from --controller or ROOST_CONTROLLER)");
    }

    [Fact]
    public async Task ATokenThatCannotBeSent_IsOneLine_AndExit2_WithoutQuotingIt()
    {
        using var directory = new Roost.Controller.Tests.TempDirectory();
        var twoLines = Path.Combine(directory.Path, "two-lines.token");
        await File.WriteAllTextAsync(twoLines, "first-half\nsecond-half\n");

        var fromFile = await ControllerUnderTest.RunAsync(["vm", "stop", "vm-001", "--controller", "http://127.0.0.1:1", "--token-file", twoLines], default);
        var fromEnvironment = await ControllerUnderTest.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["ROOST_CONTROLLER"] = "http://127.0.0.1:1", ["ROOST_TOKEN"] = "t\u00f6ken" }, "vm", "stop", "vm-001");

        AssertOneLine(fromFile, 2, $"roost: token file {twoLines}: not a bearer token (one word of printable ASCII, on one line)");
        AssertOneLine(fromEnvironment, 2, "roost: ROOST_TOKEN: not a bearer token (one word of printable ASCII, on one line)");
    }

    [Fact]
    public async Task AConfigEntrysToken_GoesOnlyToThatEntrysUrl()
    {
        using var directory = new Roost.Controller.Tests.TempDirectory();
        var config = Path.Combine(directory.Path, "controllers.json");
        await File.WriteAllTextAsync(config, """{"controllers": {"lab": {"url": "http://127.0.0.1:1/", "tokenFile": "lab.token"}}}""");
        await File.WriteAllTextAsync(Path.Combine(directory.Path, "lab.token"), "lab-token-0123456789\n");

        var elsewhere = await ControllerUnderTest.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["ROOST_CONTROLLER"] = "http://127.0.0.1:2" }, "vm", "list", "--config", config, "--context", "lab");
        var same = await ControllerUnderTest.RunWithEnvironmentAsync(_noEnvironment, "vm", "list", "--controller", "http://127.0.0.1:1", "--config", config, "--context", "lab");

        AssertOneLine(elsewhere, 2, $"roost: config {config}: the token of 'lab' is for http://127.0.0.1:1/, not http://127.0.0.1:2/ (from --controller or ROOST_CONTROLLER); give that controller's token (--token-file, ROOST_TOKEN_FILE or ROOST_TOKEN)");
        Assert.StartsWith("roost: controller http://127.0.0.1:1/: unreachable", same.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ControllerThatCannotServe_Is5xx_OneLine_AndExit1()
    {
        await using var c = await ControllerUnderTest.StartAsync();

        // A second controller on the same store is a standby: it answers 503 until the first stops.
        await using var standby = await ControllerApp.StartAsync(ControllerFixture.Options(c.Directory), default, c.Time);
        var outcome = await ControllerUnderTest.RunAsync(["vm", "list", "--controller", standby.Address.ToString()], default);

        Assert.Equal(1, outcome.ExitCode);
        Assert.Equal("", outcome.Stdout);
        Assert.StartsWith("roost: GET /api/vms: 503 Service Unavailable: another controller is the writer of sqlite:", outcome.Stderr, StringComparison.Ordinal);
        Assert.Single(outcome.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public async Task ControllerAndToken_ComeFromTheEnvironment_OrANamedEntryOfTheConfigFile()
    {
        await using var c = await ControllerUnderTest.StartAsync();
        var config = Path.Combine(c.Directory.Path, "controllers.json");
        await File.WriteAllTextAsync(config, $$$$"""{"current": "elsewhere", "controllers": {"lab": {"url": "{{{{c.Url}}}}", "tokenFile": "token"}, "elsewhere": {"url": "http://127.0.0.1:1"}}}""");
        var home = Directory.CreateDirectory(Path.Combine(c.Directory.Path, "config", "roost")).FullName;
        await File.WriteAllTextAsync(Path.Combine(home, "controllers.json"), $$$$"""{"current": "lab", "controllers": {"lab": {"url": "{{{{c.Url}}}}"}}}""");
        var bad = Path.Combine(c.Directory.Path, "bad.json");
        await File.WriteAllTextAsync(bad, """{"controllers": {"lab": {"url": "http://127.0.0.1:1", "password": "x"}}}""");

        var fromEnvironment = await ControllerUnderTest.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["ROOST_CONTROLLER"] = c.Url, ["ROOST_TOKEN"] = c.Controller.Tokens.Current }, "vm", "stop", "vm-002");
        var fromConfig = await ControllerUnderTest.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["ROOST_CONFIG"] = config, ["ROOST_CONTEXT"] = "lab" }, "vm", "stop", "vm-003");
        var fromDefaultFile = await ControllerUnderTest.RunWithEnvironmentAsync(
            new Dictionary<string, string> { ["XDG_CONFIG_HOME"] = Path.Combine(c.Directory.Path, "config") }, "host", "list", "-o", "csv");
        var wrongField = await ControllerUnderTest.RunWithEnvironmentAsync(_noEnvironment, "host", "list", "--config", bad, "--context", "lab");

        Assert.Equal((0, ""), (fromEnvironment.ExitCode, fromEnvironment.Stderr));
        Assert.Equal((0, ""), (fromConfig.ExitCode, fromConfig.Stderr));
        Assert.Matches(@"(?m)^STATE +stopping$", fromConfig.Stdout);
        Assert.Equal((0, 7), (fromDefaultFile.ExitCode, fromDefaultFile.Stdout.Trim().Split('\n').Length));
        AssertOneLine(wrongField, 2, $"roost: config {bad}: controller 'lab': 'password' is not a field here (expected 'url' and 'tokenFile', strings)");
    }
}
