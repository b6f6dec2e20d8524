using Roost.Cli.Tests.Client;

namespace Roost.Cli.Tests.Commands;

/// <summary>
/// Every verb on the one System.CommandLine tree: help, unknown options, option mistakes and completion behave the same
/// for the client verbs and the others, and what a verb reads of its options reaches it as typed.
/// </summary>
public sealed class ParserTests
{
    private static readonly string[] _verbs = [.. Program.Commands.Select(c => c.Name), "vm", "host", "plan", "events", "vpc"];

    public static TheoryData<string> Verbs() => [.. _verbs];

    private static Task<ControllerUnderTest.Outcome> RoostAsync(params string[] args) => ControllerUnderTest.RunAsync(args, default);

    private static void AssertOneLine(ControllerUnderTest.Outcome outcome, string expected)
    {
        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal("", outcome.Stdout);
        Assert.Equal(expected + "\n", outcome.Stderr);
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Help_OfEveryVerb_ListsItsOptions(string verb)
    {
        var outcome = await RoostAsync(verb, "--help");

        Assert.Equal((0, ""), (outcome.ExitCode, outcome.Stderr));
        Assert.Contains("Usage:", outcome.Stdout, StringComparison.Ordinal);
        Assert.Contains("-h, --help", outcome.Stdout, StringComparison.Ordinal);
        foreach (var option in Program.Commands.FirstOrDefault(c => c.Name == verb)?.Options.Specs ?? [])
        {
            Assert.Contains($"--{option.Name}", outcome.Stdout, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task UnknownOption_OfEveryVerb_IsOneLineNamingItAndExit2(string verb) =>
        AssertOneLine(await RoostAsync(verb, "--no-such-option"), $"roost {verb}: unknown option '--no-such-option' (see 'roost {verb} --help')");

    [Fact]
    public async Task GlobalHelp_ListsEveryVerb()
    {
        var outcome = await RoostAsync();

        Assert.Equal(0, outcome.ExitCode);
        foreach (var verb in _verbs.Append("completion"))
        {
            Assert.Contains($"  {verb} ", outcome.Stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OptionMistakes_AreOneLineEach()
    {
        AssertOneLine(await RoostAsync("simulate", "--seed", "1", "--seed", "2"), "roost simulate: option '--seed' given twice (see 'roost simulate --help')");
        AssertOneLine(await RoostAsync("simulate", "--seed"), "roost simulate: option '--seed' needs a value N (see 'roost simulate --help')");
        AssertOneLine(await RoostAsync("simulate", "--polcy=npa"), "roost simulate: unknown option '--polcy' (see 'roost simulate --help')");
        AssertOneLine(await RoostAsync("serve", "extra"), "roost serve: unexpected argument 'extra' (see 'roost serve --help')");
        AssertOneLine(await RoostAsync("serve", "--log-format", "xml"), "roost serve: --log-format 'xml' is not text or json");
        AssertOneLine(await RoostAsync("simulat"), "roost: unknown command 'simulat' (see 'roost --help')");
    }

    [Fact]
    public async Task Values_ReachTheVerbAsTyped_WithEqualsOrSpace_AndNoResponseFiles()
    {
        AssertOneLine(await RoostAsync("serve", "--hosts=many"), "roost serve: --hosts 'many' is not a whole number from 1 to 10000");
        AssertOneLine(await RoostAsync("serve", "--hosts", "-3"), "roost serve: --hosts '-3' is not a whole number from 1 to 10000");
        var file = await RoostAsync("scenario", "@no-such-file");
        Assert.Equal(2, file.ExitCode);
        Assert.StartsWith("@no-such-file: ", file.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_OffersEveryVerbsOptionsAndWords()
    {
        var simulate = await RoostAsync("[suggest:17]", "roost simulate --");
        var lab = await RoostAsync("[suggest:10]", "roost lab ");
        var agent = await RoostAsync("[suggest:16]", "roost agent --lo");
        var move = await RoostAsync("[suggest:11]", "roost move ");
        var relay = await RoostAsync("[suggest:12]", "roost relay ");

        Assert.Contains("--policy", Lines(simulate.Stdout));
        Assert.Contains("--memory", Lines(simulate.Stdout));
        Assert.Subset(Lines(lab.Stdout), new HashSet<string> { "wan", "relay" });
        Assert.Contains("--log-format", Lines(agent.Stdout));
        Assert.Subset(Lines(move.Stdout), new HashSet<string> { "fit", "predict", "record", "bench", "evaluate" });
        Assert.Subset(Lines(relay.Stdout), new HashSet<string> { "source", "destination", "tamper", "nbd-source", "nbd-destination" });

        static HashSet<string> Lines(string text) => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
