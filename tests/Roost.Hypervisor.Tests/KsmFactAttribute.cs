using Roost.Hypervisor.Ksm;

namespace Roost.Hypervisor.Tests;

/// <summary>A fact that needs QEMU and a KSM this process may set; reported as skipped, with the reason, otherwise.</summary>
public sealed class KsmFactAttribute : FactAttribute
{
    public KsmFactAttribute()
    {
        if ((QemuEnvironment.SkipReason ?? new KsmControl().Unavailable()) is { } reason)
        {
            Skip = reason;
        }
    }
}
