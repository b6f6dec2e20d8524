using System.CommandLine;
using System.Reflection;
using Roost.Simulation.Input;

namespace Roost.Cli.Client;

/// <summary>
/// The verbs that talk to a running controller (<c>vm</c>, <c>host</c>, <c>plan</c>, <c>events</c>), shell completion and
/// <c>--version</c>, parsed by System.CommandLine (help, completion and errors from one command tree). The other verbs
/// still go through <see cref="OptionSet"/>; each can move here as a <see cref="Command"/> of its own, after which
/// <see cref="Program"/> needs no second parser.
/// Exit codes: 0 done; 2 bad input (unknown verb or option, a missing argument, an unreachable controller, a 4xx
/// answer: the request was wrong); 1 the controller failed (a 5xx answer) or a waited-for migration failed.
/// </summary>
internal sealed class ClientCli
{
    /// <summary>The verbs this parser owns, as typed first on the command line.</summary>
    public static IReadOnlyList<string> Verbs { get; } = ["vm", "host", "plan", "events", "vpc", "completion"];

    private readonly RootCommand _root;

    private readonly TextWriter _output;

    private readonly TextWriter _error;

    /// <summary>A parser writing to <paramref name="output"/> and <paramref name="error"/>, reading the environment through
    /// <paramref name="environment"/>; <paramref name="otherVerbs"/> are the verbs <see cref="Program"/> parses itself,
    /// listed here so that completion offers them.</summary>
    public ClientCli(TextWriter output, TextWriter error, Func<string, string?> environment, IEnumerable<(string Name, string Summary)> otherVerbs)
    {
        ArgumentNullException.ThrowIfNull(otherVerbs);
        (_output, _error) = (output, error);
        var options = new ClientOptions(environment, output, error);
        _root = new RootCommand("roost: a manager for virtualized data centers");
        foreach (var option in options.All)
        {
            _root.Options.Add(option);
        }

        _root.Subcommands.Add(VmVerbs.Build(options));
        _root.Subcommands.Add(HostVerbs.Build(options));
        _root.Subcommands.Add(PlanVerbs.Build(options));
        _root.Subcommands.Add(EventsVerb.Build(options));
        _root.Subcommands.Add(VpcVerbs.Build(options));
        _root.Subcommands.Add(CompletionVerb.Build(output));
        foreach (var (name, summary) in otherVerbs)
        {
            _root.Subcommands.Add(new Command(name, summary) { TreatUnmatchedTokensAsErrors = false });
        }
    }

    /// <summary>Whether this parser takes a command line whose first word is <paramref name="first"/>.</summary>
    public static bool Handles(string first) =>
        Verbs.Contains(first, StringComparer.Ordinal) || first is "--version" || first.StartsWith("[suggest", StringComparison.Ordinal);

    /// <summary>The version <c>roost --version</c> prints: the informational version (with the commit it was built from).</summary>
    public static string Version =>
        typeof(ClientCli).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var result = _root.Parse(args);
        if (result.Errors.Count > 0)
        {
            var path = string.Join(' ', Path(result.CommandResult.Command));
            // An unknown word says more than the missing subcommand it displaced.
            var error = result.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? result.Errors[0];
            var message = error.Message.TrimEnd('.');
            await _error.WriteLineAsync(PrintableText.Escape($"{path}: {char.ToLowerInvariant(message[0])}{message[1..]} (see '{path} --help')")).ConfigureAwait(false);
            return 2;
        }

        return await result.InvokeAsync(new InvocationConfiguration { Output = _output, Error = _error, EnableDefaultExceptionHandler = false }, cancellationToken).ConfigureAwait(false);
    }

    private static List<string> Path(Command command)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command c; symbol = c.Parents.FirstOrDefault())
        {
            names.Add(c is RootCommand ? "roost" : c.Name);
        }

        names.Reverse();
        return names;
    }
}
