using Microsoft.Extensions.Logging;
using Roost.Hypervisor.Logging;

namespace Roost.Cli;

/// <summary>
/// <c>--log-format text|json</c> of the long-running verbs (<c>serve</c>, <c>agent</c>), and their own status lines
/// (listening, stopping) in the same shape as their log entries, so that every stdout line of one run parses alike.
/// </summary>
internal static class ServerLog
{
    public const string OptionName = "log-format";

    public const string OptionDescription = "text (default): one line per log entry, 'TIME LEVEL: CATEGORY: MESSAGE', UTC; json: one JSON object a line (at, level, category, message, fields, error)";

    public static LogFormat Format(ParsedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Get(OptionName) switch
        {
            null or "text" => LogFormat.Text,
            "json" => LogFormat.Json,
            var other => throw new UsageException($"roost {options.Verb}: --{OptionName} '{other}' is not text or json"),
        };
    }

    /// <summary>Prints one status line of <c>roost VERB</c> on stdout as an Information entry of category <c>roost VERB</c>.</summary>
    public static void Status(LogFormat format, string verb, string message) =>
        Console.WriteLine(OneLineConsoleFormatter.Line(format, TimeProvider.System.GetUtcNow(), LogLevel.Information, $"roost {verb}", message));
}
