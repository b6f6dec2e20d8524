namespace Roost.Hypervisor.Agent;

/// <summary>The source's calls to the destination about an incoming VM's disk (<see cref="PeerClient.DiskAsync"/>).</summary>
public enum DiskCall
{
    /// <summary>Export the incoming (empty) disk over NBD through the destination's NBD relay.</summary>
    Export,

    /// <summary>The mirror ended whole: stop exporting (before the guest may run there).</summary>
    Close,

    /// <summary>The migration is abandoned: stop exporting and drop the incoming VM with its partial disk.</summary>
    Discard,
}
