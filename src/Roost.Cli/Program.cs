using System.Text;
using Roost.Cli.Commands;
using Roost.Simulation.Input;
using Roost.Simulation.Scenarios;
using Roost.Simulation.Workloads;

namespace Roost.Cli;

internal static class Program
{
    /// <summary>Exit code of an unexpected exception (EX_SOFTWARE of sysexits.h).</summary>
    public const int InternalErrorExitCode = 70;

    private const string DebugVariable = "ROOST_DEBUG";

    /// <summary>Every verb, in the order <c>roost --help</c> lists them. Add a verb here and nowhere else.</summary>
    private static IReadOnlyList<ICommand> Commands { get; } =
    [
        new SimulateCommand(),
        new ReproduceCommand(),
        new ScenarioCommand(),
        new AgentCommand(),
        new ImageCommand(),
        new FingerprintCommand(),
        new MoveCommand(),
        new ServeCommand(),
        new FuzzCommand(),
        new LabCommand(),
        new BftCommand(),
        new RelayCommand(),
        new DrCommand(),
    ];

    /// <summary>The client verbs as <c>roost --help</c> lists them (their own help comes from System.CommandLine).</summary>
    private static IReadOnlyList<(string Name, string Summary)> ClientVerbSummaries { get; } =
    [
        ("vm", "VMs: list, show, create, migrate NAME --to HOST, stop, start, delete"),
        ("host", "Hosts: list, show, maintenance HOST on|off"),
        ("plan", "Plans: list, show, approve ID, reject ID"),
        ("events", "The controller's latest events; --follow for new ones"),
        ("vpc", "Virtual private clouds: list, show, create, delete, member add|remove, rule add|remove, apply"),
        ("completion", "Shell completion: source <(roost completion bash)"),
    ];

    public static async Task<int> Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        return await RunAsync(args, Console.Out, Console.Error, cancellation.Token).ConfigureAwait(false);
    }

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            await stdout.WriteAsync(GlobalHelp()).ConfigureAwait(false);
            return 0;
        }

        if (Client.ClientCli.Handles(args[0]))
        {
            var client = new Client.ClientCli(stdout, stderr, Environment.GetEnvironmentVariable, Commands.Select(c => (c.Name, c.Summary)));
            return await GuardAsync(args[0], stderr, () => client.RunAsync(args, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            await PrintErrorAsync(stderr, $"roost: unknown command '{args[0]}' (see 'roost --help')").ConfigureAwait(false);
            return 2;
        }

        var rest = args[1..];
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            await stdout.WriteAsync(command.Options.RenderHelp(command.Name)).ConfigureAwait(false);
            return 0;
        }

        return await GuardAsync(command.Name, stderr, () => command.RunAsync(command.Options.Parse(command.Name, rest), cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a verb and maps what it throws to one line and an exit code: bad input 2 (or the exception's own code),
    /// Ctrl-C 130, a bug 70 with the way to its stack trace.
    /// </summary>
    private static async Task<int> GuardAsync(string verb, TextWriter stderr, Func<Task<int>> run, CancellationToken cancellationToken)
    {
        try
        {
            return await run().ConfigureAwait(false);
        }
        catch (UsageException e)
        {
            await PrintErrorAsync(stderr, e.Message).ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (Exception e) when (e is WorkloadFormatException or ScenarioFormatException)
        {
            await PrintErrorAsync(stderr, e.Message).ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteLineAsync($"roost {verb}: cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable(DebugVariable) is not "1")
        {
            // A bug, not bad input: still one line, with the way to the stack trace.
            await PrintErrorAsync(stderr, $"roost {verb}: internal error: {e.GetType().Name}: {e.Message} (a bug; {DebugVariable}=1 shows the stack trace)").ConfigureAwait(false);
            return InternalErrorExitCode;
        }
    }

    /// <summary>
    /// Prints an error as one line whatever it quotes: control characters from a file name, a field or an argument are
    /// escaped, so nothing read from input can move the cursor, retitle the terminal or add a line.
    /// </summary>
    private static Task PrintErrorAsync(TextWriter stderr, string message) => stderr.WriteLineAsync(PrintableText.Escape(message));

    private static string GlobalHelp()
    {
        var text = new StringBuilder();
        text.AppendLine("roost: a manager for virtualized data centers (Sandpiper, Memory Buddies, CloudNet, ZZ, …)")
            .AppendLine()
            .AppendLine("Usage: roost <command> [options]")
            .AppendLine()
            .AppendLine("Commands:");
        var width = Commands.Max(c => c.Name.Length) + 4;
        foreach (var command in Commands)
        {
            text.Append("  ").Append(command.Name.PadRight(width)).AppendLine(command.Summary);
        }

        text.AppendLine()
            .AppendLine("Commands for a running controller (--controller URL, -o table|json|csv; exit 2 for bad input, an unreachable")
            .AppendLine("controller or a refused request, 1 when the controller fails):");
        foreach (var (name, summary) in ClientVerbSummaries)
        {
            text.Append("  ").Append(name.PadRight(width)).AppendLine(summary);
        }

        text.AppendLine().AppendLine("Run 'roost <command> --help' for a command's options; 'roost --version' for the version.");
        return text.ToString();
    }
}
