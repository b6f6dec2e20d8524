namespace Roost.Simulation.DataCenter;

/// <summary>Told by the <see cref="HostAllocation"/> after every change to a host's derived state.</summary>
internal interface IHostObserver
{
    void HostChanged(int host);
}
