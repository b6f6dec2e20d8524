namespace Roost.Simulation.DataCenter;

/// <summary>How the CloudSim baselines account for VM memory (<c>roost simulate --memory</c>; docs/baselines.md).</summary>
public enum MemoryAccounting
{
    /// <summary>
    /// CloudSim 3.0.3's: a VM books its RAM only while it is created at t = 0; afterwards VMs request none (null
    /// utilisation models), so migrations and consolidation ignore memory. The default; reproduces CloudSim exactly.
    /// </summary>
    CloudSim,

    /// <summary>
    /// Every VM keeps its RAM booked on its host for as long as it runs, a VM migrating books it on the target from the
    /// start of its migration (and keeps it on the source until the end), and no host is chosen whose free RAM is less
    /// than the VM's. Memory is then honoured by every policy after creation as it is at creation. A VM whose demand
    /// falls to exactly 0 keeps running (and holding its RAM) instead of leaving as CloudSim's "completed" VMs do, so
    /// every policy runs every VM all day, as Sandpiper does.
    /// </summary>
    Reserved,
}
