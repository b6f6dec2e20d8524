using System.Diagnostics.CodeAnalysis;

namespace Roost.Core.Recovery;

/// <summary>The names <see cref="ReplicationMode"/> goes by on the command line and the wire.</summary>
public static class ReplicationModes
{
    public static IReadOnlyList<ReplicationMode> All { get; } = [ReplicationMode.Async, ReplicationMode.Sync, ReplicationMode.Pipelined];

    public static string Name(ReplicationMode mode) => mode switch
    {
        ReplicationMode.Async => "async",
        ReplicationMode.Sync => "sync",
        ReplicationMode.Pipelined => "pipelined",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown replication mode"),
    };

    public static bool TryParse(string text, [NotNullWhen(true)] out ReplicationMode? mode)
    {
        var index = All.Select(Name).ToList().IndexOf(text);
        mode = index >= 0 ? All[index] : null;
        return mode is not null;
    }
}
