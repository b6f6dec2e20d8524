using System.Diagnostics.CodeAnalysis;

namespace Roost.Core.Recovery;

/// <summary>The names <see cref="BackupMechanism"/> goes by on the command line and in output.</summary>
public static class BackupMechanisms
{
    public static IReadOnlyList<BackupMechanism> All { get; } = [BackupMechanism.Periodic, BackupMechanism.Continuous, BackupMechanism.HotStandby];

    public static string Name(BackupMechanism mechanism) => mechanism switch
    {
        BackupMechanism.Periodic => "periodic",
        BackupMechanism.Continuous => "continuous",
        BackupMechanism.HotStandby => "hot-standby",
        _ => throw new ArgumentOutOfRangeException(nameof(mechanism), mechanism, "unknown backup mechanism"),
    };

    public static bool TryParse(string text, [NotNullWhen(true)] out BackupMechanism? mechanism)
    {
        mechanism = All.Where(m => Name(m) == text).Select(m => (BackupMechanism?)m).FirstOrDefault();
        return mechanism is not null;
    }
}
