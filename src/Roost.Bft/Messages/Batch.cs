namespace Roost.Bft.Messages;

/// <summary>The requests a primary orders at one sequence number. Its digest is what replicas agree on.</summary>
public sealed class Batch
{
    public Batch(IReadOnlyList<ClientRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        Requests = requests;
        var buffer = new byte[8 + requests.Count * Digest.Size];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(buffer, requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            requests[i].Digest.Write(buffer.AsSpan(8 + i * Digest.Size));
        }

        Digest = Digest.Of(buffer);
    }

    /// <summary>The null request a new primary orders where nothing may have committed (PBFT's null request).</summary>
    public static Batch Empty { get; } = new([]);

    public IReadOnlyList<ClientRequest> Requests { get; }

    public Digest Digest { get; }

    public override string ToString() => $"batch[{Requests.Count}] {Digest}";

    internal void Write(WireWriter writer)
    {
        writer.WriteInt32(Requests.Count);
        foreach (var request in Requests)
        {
            request.Write(writer);
        }
    }

    internal static Batch Read(ref WireReader reader)
    {
        var count = reader.ReadCount(28);
        if (count == 0)
        {
            return Empty;
        }

        var requests = new ClientRequest[count];
        for (var i = 0; i < count; i++)
        {
            requests[i] = ClientRequest.Read(ref reader);
        }

        return new Batch(requests);
    }
}
