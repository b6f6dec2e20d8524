namespace Roost.Hypervisor.Qemu;

/// <summary>How QEMU runs guest code: KVM where it works, else the TCG binary translator.</summary>
public enum Accelerator
{
    Tcg,
    Kvm,
}
