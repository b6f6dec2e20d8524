using Microsoft.Extensions.Logging;

namespace Roost.Hypervisor.Logging;

/// <summary>The console log of Roost's servers (controller and agent): one line per entry, text or JSON.</summary>
public static class OneLineConsoleLogging
{
    /// <summary>Replaces the logging providers by the console with <see cref="OneLineConsoleFormatter"/> in <paramref name="format"/>.
    /// The formatter takes its time from the <see cref="TimeProvider"/> the server registers.</summary>
    public static ILoggingBuilder AddOneLineConsole(this ILoggingBuilder logging, LogFormat format)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.AddConsole(console => console.FormatterName = OneLineConsoleFormatter.FormatterName);
        logging.AddConsoleFormatter<OneLineConsoleFormatter, OneLineConsoleFormatterOptions>(options => options.Format = format);
        return logging;
    }
}
