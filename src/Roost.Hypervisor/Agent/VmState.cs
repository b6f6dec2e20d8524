namespace Roost.Hypervisor.Agent;

/// <summary>Where a VM is in its life on this agent.</summary>
public enum VmState
{
    /// <summary>Admitted; QEMU started; the guest has not reported yet.</summary>
    Booting,
    Running,
    Paused,
    /// <summary>Being live-migrated away; only the migration may touch it.</summary>
    MigratingOut,
    /// <summary>A QEMU waiting for an incoming migration; not yet the VM's home.</summary>
    Incoming,
}
