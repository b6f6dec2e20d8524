using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Roost.Cli.Client;
using Roost.Simulation.Input;

namespace Roost.Cli;

/// <summary>
/// Every verb of <c>roost</c> in one System.CommandLine tree, so help, unknown options, <c>--version</c> and shell
/// completion work the same for all: the client verbs (<c>vm</c>, <c>host</c>, <c>plan</c>, <c>events</c>, <c>vpc</c>),
/// built as commands of their own, and the other verbs (<see cref="ICommand"/>), built from their <see cref="OptionSet"/>
/// by <see cref="VerbCommand"/>.
/// A parse error is one line, <c>roost VERB: what (see 'roost VERB --help')</c>, and exit code 2. Client verbs exit
/// 2 for bad input, an unreachable controller or a 4xx answer (the request was wrong), 1 when the controller failed
/// (a 5xx answer) or a waited-for migration failed.
/// </summary>
internal sealed class RoostCommandLine
{
    private readonly RootCommand _root;

    private readonly TextWriter _output;

    private readonly TextWriter _error;

    /// <summary>A parser writing to <paramref name="output"/> and <paramref name="error"/>, reading the environment through
    /// <paramref name="environment"/>, with <paramref name="verbs"/> listed first, in their order, then the client verbs.</summary>
    public RoostCommandLine(TextWriter output, TextWriter error, Func<string, string?> environment, IEnumerable<ICommand> verbs)
    {
        ArgumentNullException.ThrowIfNull(verbs);
        (_output, _error) = (output, error);
        _root = new RootCommand(
            "roost: a manager for virtualized data centers (Sandpiper, Memory Buddies, MOVE, CloudNet, ZZ, DR, VPCs).\n"
            + "The verbs vm, host, plan, events and vpc talk to a running controller (--controller URL, -o table|json|csv).\n"
            + "Exit codes: 0 done; 2 bad input, an unreachable controller or a refused request; 1 a failure; 130 Ctrl-C.");
        var details = new Dictionary<Command, string>();
        foreach (var verb in verbs)
        {
            var command = VerbCommand.Build(verb);
            details[command] = VerbCommand.Details(verb);
            _root.Subcommands.Add(command);
        }

        var help = _root.Options.OfType<HelpOption>().Single();
        help.Action = new DetailedHelp(help.Action ?? throw new InvalidOperationException("the root command has no help action"), details);

        var options = new ClientOptions(environment, output, error);
        foreach (var client in new[] { VmVerbs.Build(options), HostVerbs.Build(options), PlanVerbs.Build(options), EventsVerb.Build(options), SettingsVerb.Build(options), VpcVerbs.Build(options) })
        {
            // The client options go anywhere after the client verb (recursive there), and only there: other verbs have
            // options of the same name (agent's --token-file) that mean something else.
            foreach (var option in options.All)
            {
                client.Options.Add(option);
            }

            _root.Subcommands.Add(client);
        }

        _root.Subcommands.Add(CompletionVerb.Build(output));
    }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        // No response files: an argument starting with '@' is a name or a value, never a file to read arguments from.
        var result = _root.Parse(args is [] or ["help"] ? ["--help"] : args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (result.Errors.Count > 0)
        {
            var path = string.Join(' ', Path(result.CommandResult.Command));
            await _error.WriteLineAsync(PrintableText.Escape($"{path}: {Describe(result)} (see '{path} --help')")).ConfigureAwait(false);
            return 2;
        }

        // Ctrl-C is Program's: it cancels the token and every verb stops in its own time (an agent stops its VMs), so
        // System.CommandLine's own handler, which ends the process after a timeout, stays off.
        return await result.InvokeAsync(
            new InvocationConfiguration { Output = _output, Error = _error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What is wrong with the command line, in the words every verb uses.</summary>
    private static string Describe(ParseResult result)
    {
        if (result.UnmatchedTokens is [var stray, ..])
        {
            return stray.StartsWith("--", StringComparison.Ordinal) ? $"unknown option '{VerbCommand.OptionName(stray)}'"
                : result.CommandResult.Command.Subcommands.Count > 0 ? $"unknown command '{stray}'"
                : $"unexpected argument '{stray}'";
        }

        var error = result.Errors[0];
        if (error.SymbolResult is OptionResult { Option: var option } given)
        {
            if (given.IdentifierTokenCount > 0 && given.Tokens.Count < option.Arity.MinimumNumberOfValues)
            {
                return $"option '{option.Name}' needs a value {option.HelpName}".TrimEnd();
            }

            if (given.IdentifierTokenCount > 1 && option.Arity.MaximumNumberOfValues <= 1)
            {
                return $"option '{option.Name}' given twice";
            }
        }

        // System.CommandLine's own words, on one line, naming the option they are about.
        var message = string.Join(' ', error.Message.TrimEnd('.').Split(['\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        message = char.ToLowerInvariant(message[0]) + message[1..];
        return error.SymbolResult is OptionResult { Option.Name: var name } && !message.Contains($"'{name}'", StringComparison.Ordinal) ? $"option '{name}': {message}" : message;
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

    /// <summary>System.CommandLine's help, then a verb's details (its forms and what it does) below it.</summary>
    private sealed class DetailedHelp(CommandLineAction help, Dictionary<Command, string> details) : SynchronousCommandLineAction
    {
        /// <summary>As System.CommandLine's own: <c>roost vm migrate --help</c> shows help, not the missing <c>--to</c>.</summary>
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            ArgumentNullException.ThrowIfNull(parseResult);
            var code = help is SynchronousCommandLineAction synchronous ? synchronous.Invoke(parseResult) : 0;
            if (details.TryGetValue(parseResult.CommandResult.Command, out var text))
            {
                parseResult.InvocationConfiguration.Output.Write(text);
            }

            return code;
        }
    }
}
