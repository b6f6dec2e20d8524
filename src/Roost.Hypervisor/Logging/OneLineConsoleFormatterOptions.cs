using Microsoft.Extensions.Logging.Console;

namespace Roost.Hypervisor.Logging;

/// <summary>The options of <see cref="OneLineConsoleFormatter"/>: text lines (default) or JSON lines.</summary>
public sealed class OneLineConsoleFormatterOptions : ConsoleFormatterOptions
{
    public LogFormat Format { get; set; } = LogFormat.Text;
}
