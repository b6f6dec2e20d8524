namespace Roost.Controller.Store;

/// <summary>
/// A VM's life in the inventory. <see cref="Pending"/>: requested and acknowledged, not yet placed;
/// <see cref="Stopping"/>: a stop was acknowledged and the driver has not confirmed it yet; <see cref="Deleted"/>: an
/// operator deleted it (only a stopped or failed VM may be). A deleted VM's row stays, so its id is never given to
/// another VM, but the store neither lists nor finds it.
/// </summary>
public enum VmState
{
    Pending,
    Running,
    Stopping,
    Stopped,
    Failed,
    Deleted,
}
