namespace Roost.Bft;

/// <summary>
/// A sans-I/O protocol participant: the simulator, the tests and the TCP runner all drive one through
/// <see cref="Handle"/>. Equal input sequences give equal output sequences.
/// </summary>
public interface IProtocolNode
{
    NodeId Id { get; }

    IReadOnlyList<Output> Handle(Input input);
}
