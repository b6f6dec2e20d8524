using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Roost.Controller.Api;

namespace Roost.Controller;

/// <summary>
/// Every log entry as one line, <c>level: category: message</c>, an exception reduced to its message (and its cause's):
/// an operator reading <c>roost serve</c>'s output never gets a stack trace, whatever the framework logs.
/// </summary>
internal sealed class OneLineConsoleFormatter : ConsoleFormatter
{
    public const string FormatterName = "roost";

    public OneLineConsoleFormatter()
        : base(FormatterName)
    {
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception) ?? "";
        if (logEntry.Exception is { } exception)
        {
            message = $"{message.TrimEnd('.')}: {StoreFailureHandler.OneLine(exception)}";
        }

        var level = logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            LogLevel.Critical => "crit",
            _ => "none",
        };
        var line = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        textWriter.WriteLine($"{level}: {logEntry.Category}: {line}");
    }
}
