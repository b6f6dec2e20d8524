using System.Globalization;
using System.Text.Json.Serialization;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// A process as the kernel knows it: its id and its start time (clock ticks after boot, field 22 of
/// <c>/proc/PID/stat</c>). A pid alone may be reused after the process dies; the pair may not, so a lab never
/// signals or waits on a stranger that inherited its relay's or its owner's pid.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, long StartTicks)
{
    public static ProcessIdentity Current => Of(Environment.ProcessId)
        ?? throw new InvalidOperationException("/proc/self/stat is not readable");

    /// <summary>Whether this very process still runs (a zombie counts as gone).</summary>
    [JsonIgnore]
    public bool IsAlive => Of(Pid) is { } now && now.StartTicks == StartTicks && !IsZombie(Pid);

    /// <summary>The identity of the running process <paramref name="pid"/>, or null when there is none.</summary>
    public static ProcessIdentity? Of(int pid)
    {
        if (pid <= 0 || StatFields(pid) is not { } fields || fields.Length < 20)
        {
            return null;
        }

        // Fields after the command name: index 0 is field 3 (state), so field 22 (starttime) is index 19.
        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? new ProcessIdentity(pid, start)
            : null;
    }

    public override string ToString() => Pid.ToString(CultureInfo.InvariantCulture);

    private static bool IsZombie(int pid) => StatFields(pid) is [var state, ..] && state is "Z" or "X";

    private static string[]? StatFields(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may itself hold spaces or parentheses: skip to the last ')'.
        var close = text.LastIndexOf(')');
        return close < 0 ? null : text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }
}
