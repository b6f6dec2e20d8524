using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Roost.Hypervisor.Logging;

/// <summary>
/// Every log entry as one line with its UTC time: text (<c>2026-12-07T05:45:42.123Z info: Category: message</c>) or,
/// with <see cref="LogFormat.Json"/>, one JSON object (<c>at</c>, <c>level</c>, <c>category</c>, <c>message</c>, the
/// entry's named fields under <c>fields</c>, <c>error</c>). An exception is reduced to its message (and its cause's): an
/// operator reading <c>roost serve</c>'s or <c>roost agent</c>'s output never gets a stack trace, whatever the framework
/// logs. The time comes from the process's <see cref="TimeProvider"/>.
/// </summary>
public sealed class OneLineConsoleFormatter : ConsoleFormatter
{
    public const string FormatterName = "roost";

    private const string OriginalFormat = "{OriginalFormat}";

    private readonly TimeProvider _time;

    private readonly IOptionsMonitor<OneLineConsoleFormatterOptions> _options;

    public OneLineConsoleFormatter(TimeProvider time, IOptionsMonitor<OneLineConsoleFormatterOptions> options)
        : base(FormatterName)
    {
        _time = time;
        _options = options;
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        ArgumentNullException.ThrowIfNull(textWriter);
        textWriter.WriteLine(Line(
            _options.CurrentValue.Format,
            _time.GetUtcNow(),
            logEntry.LogLevel,
            logEntry.Category,
            logEntry.Formatter(logEntry.State, logEntry.Exception) ?? "",
            logEntry.State as IReadOnlyList<KeyValuePair<string, object?>>,
            logEntry.Exception is { } exception ? OneLine(exception) : null));
    }

    /// <summary>
    /// One entry as the formatter writes it (without the line break); the servers' own status lines (<c>roost serve:
    /// dashboard ...</c>) use it too, so that every line of their output has one shape.
    /// </summary>
    public static string Line(
        LogFormat format, DateTimeOffset at, LogLevel level, string category, string message, IReadOnlyList<KeyValuePair<string, object?>>? fields = null, string? error = null)
    {
        message = Flatten(message);
        var time = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        if (format == LogFormat.Text)
        {
            return $"{time} {Level(level)}: {category}: {(error is null ? message : $"{message.TrimEnd('.')}: {error}")}";
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("at", time);
            json.WriteString("level", Level(level));
            json.WriteString("category", category);
            json.WriteString("message", message);
            var named = fields?.Where(f => f.Key != OriginalFormat).ToList() ?? [];
            if (named.Count > 0)
            {
                json.WriteStartObject("fields");
                foreach (var (key, value) in named)
                {
                    WriteField(json, key, value);
                }

                json.WriteEndObject();
            }

            if (error is not null)
            {
                json.WriteString("error", error);
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The exception's message (and its cause's) on one line, for operators.</summary>
    public static string OneLine(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var message = exception.Message;
        if (exception.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
        {
            message = $"{message.TrimEnd('.')}: {inner.Message}";
        }

        return Flatten(message).TrimEnd('.');
    }

    private static string Flatten(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    private static void WriteField(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null:
                json.WriteNull(key);
                break;
            case bool b:
                json.WriteBoolean(key, b);
                break;
            case int or long or short or byte or uint or ulong or ushort or sbyte:
                json.WriteNumber(key, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case double d when double.IsFinite(d):
                json.WriteNumber(key, d);
                break;
            case float f when float.IsFinite(f):
                json.WriteNumber(key, f);
                break;
            case decimal m:
                json.WriteNumber(key, m);
                break;
            default:
                json.WriteString(key, Flatten(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
                break;
        }
    }
}
