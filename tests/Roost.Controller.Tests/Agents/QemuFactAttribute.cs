namespace Roost.Controller.Tests.Agents;

/// <summary>A fact that needs QEMU; reported as skipped, with the reason, when QEMU is absent.</summary>
public sealed class QemuFactAttribute : FactAttribute
{
    public QemuFactAttribute()
    {
        if (QemuEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
