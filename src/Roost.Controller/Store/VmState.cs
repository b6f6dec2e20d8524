namespace Roost.Controller.Store;

/// <summary>
/// A VM's life in the inventory. <see cref="Pending"/>: requested and acknowledged, not yet placed;
/// <see cref="Stopping"/>: a stop was acknowledged and the driver has not confirmed it yet.
/// </summary>
public enum VmState
{
    Pending,
    Running,
    Stopping,
    Stopped,
    Failed,
}
