using System.CommandLine;

namespace Roost.Cli.Client;

/// <summary>
/// The options every client verb takes (recursive on the root, so they go anywhere on the line), and how a verb's run
/// gets its <see cref="ClientSession"/>.
/// </summary>
internal sealed class ClientOptions
{
    /// <summary>How long one request may take before the verb gives up.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly Func<string, string?> _environment;
    private readonly TextWriter _output;
    private readonly TextWriter _error;

    public ClientOptions(Func<string, string?> environment, TextWriter output, TextWriter error)
    {
        _environment = environment;
        _output = output;
        _error = error;
        Output.AcceptOnlyFromAmong("table", "json", "csv");
    }

    public Option<string> Controller { get; } = new("--controller")
    {
        Description = $"The controller's URL (else ROOST_CONTROLLER, the config file, {ControllerTarget.DefaultUrl})",
        HelpName = "URL",
        Recursive = true,
    };

    public Option<string> TokenFile { get; } = new("--token-file")
    {
        Description = "File holding the bearer token (else ROOST_TOKEN_FILE, ROOST_TOKEN, the config file); the controller's is DATA/token",
        HelpName = "F",
        Recursive = true,
    };

    public Option<string> Config { get; } = new("--config")
    {
        Description = "Config file naming controllers (else ROOST_CONFIG, ~/.config/roost/controllers.json)",
        HelpName = "F",
        Recursive = true,
    };

    public Option<string> Context { get; } = new("--context")
    {
        Description = "Which controller of the config file (else ROOST_CONTEXT, the file's 'current')",
        HelpName = "NAME",
        Recursive = true,
    };

    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "table (default), json (the API's JSON) or csv",
        HelpName = "FORMAT",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    public IEnumerable<Option> All => [Controller, TokenFile, Config, Context, Output];

    /// <summary>Runs a verb against the controller the options and environment name.</summary>
    public async Task<int> RunAsync(ParseResult result, Func<ClientSession, Task<int>> verb)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(verb);
        var target = ControllerTarget.Resolve(result.GetValue(Controller), result.GetValue(TokenFile), result.GetValue(Config), result.GetValue(Context), _environment);
        var format = result.GetValue(Output) switch
        {
            "json" => OutputFormat.Json,
            "csv" => OutputFormat.Csv,
            _ => OutputFormat.Table,
        };
        using var session = new ClientSession(new ControllerClient(target, RequestTimeout), format, _output, _error);
        return await verb(session).ConfigureAwait(false);
    }
}
