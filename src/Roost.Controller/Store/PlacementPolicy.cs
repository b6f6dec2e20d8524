namespace Roost.Controller.Store;

/// <summary>
/// Where the controller starts a new VM (a run-time setting; a host the request names wins when it fits):
/// <see cref="Spread"/>, the host with the most free memory; <see cref="FirstFit"/>, the lowest host id with room at
/// face value; <see cref="Sharing"/>, Memory Buddies' placement (Wood et al., VEE 2009, §5.1): the host whose running
/// VMs share the most page contents with the new VM, its memory charged less the pages it would share, from the page
/// fingerprints the agents give (of the VM's image, when it has not run yet).
/// </summary>
public enum PlacementPolicy
{
    Spread,
    FirstFit,
    Sharing,
}
