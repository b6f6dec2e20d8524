namespace Roost.Bft.Services;

/// <summary>The objects a service executes against. Reads return the stored bytes; a write replaces the object.</summary>
public interface IStateObjects
{
    ReadOnlySpan<byte> Read(int index);

    void Write(int index, byte[] content);
}
