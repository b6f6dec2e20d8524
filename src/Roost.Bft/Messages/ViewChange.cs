namespace Roost.Bft.Messages;

/// <summary>
/// A replica's view-change message for <see cref="NewView"/> (Castro &amp; Liskov, TOCS 2002, §4.4 with the MAC variant's
/// P and Q sets): its stable checkpoint, the checkpoints it holds above it (C), what it prepared (P: highest view per
/// slot) and pre-prepared (Q) above the stable checkpoint. Signed by <see cref="Replica"/> so the new primary can
/// forward it inside its new-view message; P and Q carry no proofs, which is why the new primary uses the MAC
/// variant's decision rule (<see cref="Agreement.ViewChangeDecision"/>), safe against f lying replicas.
/// </summary>
public sealed record ViewChange(
    long NewView,
    int Replica,
    long StableSequence,
    IReadOnlyList<CheckpointEntry> Checkpoints,
    IReadOnlyList<SlotEntry> Prepared,
    IReadOnlyList<SlotEntry> PrePrepared,
    byte[] Signature) : Message
{
    internal override MessageType Type => MessageType.ViewChange;

    /// <summary>The bytes the signature covers: everything but the signature.</summary>
    public byte[] SignedBytes()
    {
        var writer = new WireWriter(64 + 48 * (Prepared.Count + PrePrepared.Count));
        writer.WriteByte((byte)MessageType.ViewChange);
        WriteUnsigned(writer);
        return writer.ToArray();
    }

    /// <summary>Digest of the whole signed message, as a new-view message refers to it.</summary>
    public Digest MessageDigest()
    {
        var writer = new WireWriter();
        WriteBody(writer);
        return Digest.Of(writer.Written);
    }

    internal override void WriteBody(WireWriter writer)
    {
        WriteUnsigned(writer);
        writer.WriteBytes(Signature);
    }

    internal static ViewChange ReadBody(ref WireReader reader)
    {
        var newView = reader.ReadInt64();
        var replica = reader.ReadInt32();
        var stable = reader.ReadInt64();
        var checkpoints = new CheckpointEntry[reader.ReadCount(40)];
        for (var i = 0; i < checkpoints.Length; i++)
        {
            checkpoints[i] = CheckpointEntry.Read(ref reader);
        }

        var prepared = ReadSlots(ref reader);
        var prePrepared = ReadSlots(ref reader);
        var signature = reader.ReadBytes();
        return new ViewChange(newView, replica, stable, checkpoints, prepared, prePrepared, signature);
    }

    private static SlotEntry[] ReadSlots(ref WireReader reader)
    {
        var slots = new SlotEntry[reader.ReadCount(48)];
        for (var i = 0; i < slots.Length; i++)
        {
            slots[i] = SlotEntry.Read(ref reader);
        }

        return slots;
    }

    private void WriteUnsigned(WireWriter writer)
    {
        writer.WriteInt64(NewView);
        writer.WriteInt32(Replica);
        writer.WriteInt64(StableSequence);
        writer.WriteInt32(Checkpoints.Count);
        foreach (var checkpoint in Checkpoints)
        {
            checkpoint.Write(writer);
        }

        writer.WriteInt32(Prepared.Count);
        foreach (var slot in Prepared)
        {
            slot.Write(writer);
        }

        writer.WriteInt32(PrePrepared.Count);
        foreach (var slot in PrePrepared)
        {
            slot.Write(writer);
        }
    }
}
