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

    /// <summary>The verbs that are not client verbs, in the order <c>roost --help</c> lists them. Add a verb here and nowhere else.</summary>
    internal static IReadOnlyList<ICommand> Commands { get; } =
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
        var parser = new RoostCommandLine(stdout, stderr, Environment.GetEnvironmentVariable, Commands);
        var command = args.Length > 0 && !args[0].StartsWith('-') ? "roost " + args[0] : "roost";
        return await GuardAsync(command, stderr, () => parser.RunAsync(args, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a verb and maps what it throws to one line and an exit code: bad input 2 (or the exception's own code),
    /// Ctrl-C 130, a bug 70 with the way to its stack trace.
    /// </summary>
    private static async Task<int> GuardAsync(string command, TextWriter stderr, Func<Task<int>> run, CancellationToken cancellationToken)
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
            await PrintErrorAsync(stderr, $"{command}: cancelled").ConfigureAwait(false);
            return 130;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable(DebugVariable) is not "1")
        {
            // A bug, not bad input: still one line, with the way to the stack trace.
            await PrintErrorAsync(stderr, $"{command}: internal error: {e.GetType().Name}: {e.Message} (a bug; {DebugVariable}=1 shows the stack trace)").ConfigureAwait(false);
            return InternalErrorExitCode;
        }
    }

    /// <summary>
    /// Prints an error as one line whatever it quotes: control characters from a file name, a field or an argument are
    /// escaped, so nothing read from input can move the cursor, retitle the terminal or add a line.
    /// </summary>
    private static Task PrintErrorAsync(TextWriter stderr, string message) => stderr.WriteLineAsync(PrintableText.Escape(message));
}
