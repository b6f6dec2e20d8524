namespace Roost.Hypervisor.Tests;

/// <summary>A theory that needs QEMU; reported as skipped, with the reason, when QEMU is absent.</summary>
public sealed class QemuTheoryAttribute : TheoryAttribute
{
    public QemuTheoryAttribute()
    {
        if (QemuEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
