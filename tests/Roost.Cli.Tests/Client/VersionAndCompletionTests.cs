namespace Roost.Cli.Tests.Client;

/// <summary><c>roost --version</c>, help, and shell completion from the one command tree.</summary>
public sealed class VersionAndCompletionTests
{
    [Fact]
    public void Version_FromTheRealBinary_IsOneLine()
    {
        var outcome = RoostProcess.Run("--version");

        Assert.Equal((0, ""), (outcome.ExitCode, outcome.Stderr));
        Assert.Matches(@"^\d+\.\d+\.\d+\S*\n$", outcome.Stdout);
    }

    [Fact]
    public async Task Completion_ScriptAndSuggestions_CoverVerbsAndOptions()
    {
        var script = await ControllerUnderTest.RunAsync(["completion", "bash"], default);
        var verbs = await ControllerUnderTest.RunAsync(["[suggest:6]", "roost "], default);
        var vmVerbs = await ControllerUnderTest.RunAsync(["[suggest:9]", "roost vm "], default);
        var options = await ControllerUnderTest.RunAsync(["[suggest:22]", "roost vm migrate web -"], default);
        var help = await ControllerUnderTest.RunAsync(["vm", "migrate", "--help"], default);
        var global = await ControllerUnderTest.RunAsync(["--help"], default);

        Assert.Contains("complete -o default -F _roost_complete roost", script.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, verbs.ExitCode);
        Assert.Subset(Lines(verbs.Stdout), new HashSet<string> { "vm", "host", "plan", "events", "simulate", "serve" });
        Assert.Subset(Lines(vmVerbs.Stdout), new HashSet<string> { "list", "show", "create", "migrate", "stop", "start", "delete" });
        Assert.Subset(Lines(options.Stdout), new HashSet<string> { "--to", "--wait", "--controller", "--output" });
        Assert.Contains("--to <HOST> (REQUIRED)", help.Stdout, StringComparison.Ordinal);
        Assert.Contains("  vm ", global.Stdout, StringComparison.Ordinal);

        static HashSet<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
