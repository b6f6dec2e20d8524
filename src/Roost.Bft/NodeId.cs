namespace Roost.Bft;

/// <summary>What part a node plays: orders requests, executes them, or issues them.</summary>
public enum NodeRole
{
    Agreement,
    Execution,
    Client,
}

/// <summary>A node of a BFT deployment: its role and its index within that role (replica 0..3f, executor 0..2f, client k).</summary>
public readonly record struct NodeId(NodeRole Role, int Index)
{
    public static NodeId Agreement(int index) => new(NodeRole.Agreement, index);

    public static NodeId Execution(int index) => new(NodeRole.Execution, index);

    public static NodeId Client(int index) => new(NodeRole.Client, index);

    public override string ToString() => Role switch
    {
        NodeRole.Agreement => $"a{Index}",
        NodeRole.Execution => $"e{Index}",
        _ => $"c{Index}",
    };
}
