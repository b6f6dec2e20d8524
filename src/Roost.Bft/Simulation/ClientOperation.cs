namespace Roost.Bft.Simulation;

/// <summary>One request of a simulated client's history: when it was issued and when (and with what) it was answered.</summary>
public sealed class ClientOperation
{
    public ClientOperation(int client, long timestamp, byte[] operation, long invokedAt)
    {
        Client = client;
        Timestamp = timestamp;
        Operation = operation;
        InvokedAt = invokedAt;
    }

    public int Client { get; }

    public long Timestamp { get; }

    public byte[] Operation { get; }

    public long InvokedAt { get; }

    public long? CompletedAt { get; set; }

    public byte[]? Result { get; set; }
}
