namespace Roost.Bft.Services;

/// <summary>
/// A service that does nothing: no objects of its own, every operation (the empty one included) answered with an empty
/// result. Requests still pass through everything around execution (ordering, the reply cache that gives exactly-once
/// answers, checkpoints of that cache), so a deployment of it measures the cost of agreement and replication alone,
/// as BFT benchmarks with null requests do (PBFT's 0/0 micro-benchmark, BFT-SMaRt's ThroughputLatency demo).
/// </summary>
public sealed class NullService : IReplicatedService
{
    public int ObjectCount => 0;

    public byte[] InitialObject(int index) => throw new ArgumentOutOfRangeException(nameof(index), index, "the null service has no objects");

    public void AddTouchedObjects(ReadOnlySpan<byte> operation, ICollection<int> objects)
    {
    }

    public byte[] Execute(ReadOnlySpan<byte> operation, IStateObjects state) => [];
}
