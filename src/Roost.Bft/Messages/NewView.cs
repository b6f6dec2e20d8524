namespace Roost.Bft.Messages;

/// <summary>
/// The new primary's new-view message: the signed view-change messages it decided from. Every replica recomputes the
/// decision (<see cref="Agreement.ViewChangeDecision"/>) from exactly these, so the primary cannot lie about it.
/// Signed by the primary of <see cref="View"/> so it may be forwarded.
/// </summary>
public sealed record NewView(long View, IReadOnlyList<ViewChange> ViewChanges, byte[] Signature) : Message
{
    internal override MessageType Type => MessageType.NewView;

    /// <summary>The bytes the primary signs: the view and the digest of each view-change message, in order.</summary>
    public byte[] SignedBytes()
    {
        var writer = new WireWriter(16 + Digest.Size * ViewChanges.Count);
        writer.WriteByte((byte)MessageType.NewView);
        writer.WriteInt64(View);
        writer.WriteInt32(ViewChanges.Count);
        foreach (var viewChange in ViewChanges)
        {
            writer.WriteDigest(viewChange.MessageDigest());
        }

        return writer.ToArray();
    }

    internal override void WriteBody(WireWriter writer)
    {
        writer.WriteInt64(View);
        writer.WriteInt32(ViewChanges.Count);
        foreach (var viewChange in ViewChanges)
        {
            viewChange.WriteBody(writer);
        }

        writer.WriteBytes(Signature);
    }

    internal static NewView ReadBody(ref WireReader reader)
    {
        var view = reader.ReadInt64();
        var viewChanges = new ViewChange[reader.ReadCount(40)];
        for (var i = 0; i < viewChanges.Length; i++)
        {
            viewChanges[i] = ViewChange.ReadBody(ref reader);
        }

        var signature = reader.ReadBytes();
        return new NewView(view, viewChanges, signature);
    }
}
