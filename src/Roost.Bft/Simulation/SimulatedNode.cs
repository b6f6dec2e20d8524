namespace Roost.Bft.Simulation;

/// <summary>A node inside the simulator: the protocol object, whether it is crashed, its pending timers.</summary>
internal sealed class SimulatedNode
{
    public SimulatedNode(IProtocolNode node, ByzantineBehaviour? byzantine)
    {
        Node = node;
        Byzantine = byzantine;
    }

    public IProtocolNode Node { get; }

    public ByzantineBehaviour? Byzantine { get; }

    public bool Crashed { get; set; }

    /// <summary>Partition group while a partition is in force.</summary>
    public int Group { get; set; }

    /// <summary>Token of the pending timer of each kind (0: none); an expiry with another token is stale.</summary>
    public long[] Timers { get; } = new long[Enum.GetValues<TimerKind>().Length];
}
