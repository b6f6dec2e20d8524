using Roost.Bft.Messages;

namespace Roost.Bft.Agreement;

/// <summary>
/// What an agreement replica knows about one sequence number above its stable checkpoint: the pre-prepare it
/// accepted in its current view, votes, whether it prepared (P: highest view) and pre-prepared (Q: latest view per
/// digest), and whether it committed. Votes are kept for a few (view, digest) pairs only, so a Byzantine sender
/// cannot grow a slot without bound.
/// </summary>
internal sealed class Slot
{
    private const int MaxVoteSets = 8;
    private const int MaxPrePrepared = 4;
    private readonly List<VoteSet> _prepares = [];
    private readonly List<VoteSet> _commits = [];
    private readonly List<SlotEntry> _prePrepared = [];

    public Slot(long sequence)
    {
        Sequence = sequence;
    }

    public long Sequence { get; }

    /// <summary>View of the accepted pre-prepare, -1 if none.</summary>
    public long PrePrepareView { get; private set; } = -1;

    public Digest PrePrepareDigest { get; private set; }

    /// <summary>The batch for <see cref="PrePrepareDigest"/> or for the committed digest, once known.</summary>
    public Batch? Batch { get; set; }

    /// <summary>View in which this replica sent its commit (it had prepared), -1 if none.</summary>
    public long CommitSentView { get; set; } = -1;

    public bool IsCommitted { get; private set; }

    public Digest CommittedDigest { get; private set; }

    /// <summary>The committed batch's effects (client timestamps, blame) were applied.</summary>
    public bool IsApplied { get; set; }

    /// <summary>P: the digest prepared in the highest view, if any.</summary>
    public SlotEntry? Prepared { get; private set; }

    /// <summary>Q: digests pre-prepared, each with the latest view it was pre-prepared in.</summary>
    public IReadOnlyList<SlotEntry> PrePrepared => _prePrepared;

    /// <summary>Peers this replica answered (help for a peer that retransmits) since the last retransmission tick.</summary>
    public ulong Helped { get; set; }

    public void AcceptPrePrepare(long view, Digest digest, Batch? batch)
    {
        PrePrepareView = view;
        PrePrepareDigest = digest;
        if (batch is not null && batch.Digest == digest)
        {
            Batch = batch;
        }
        else if (Batch is not null && Batch.Digest != digest)
        {
            Batch = null;
        }

        var index = _prePrepared.FindIndex(e => e.Digest == digest);
        if (index >= 0)
        {
            _prePrepared[index] = _prePrepared[index] with { View = Math.Max(view, _prePrepared[index].View) };
        }
        else
        {
            _prePrepared.Add(new SlotEntry(Sequence, digest, view));
        }

        // Keep the latest entries by view: after a commit, correct replicas only pre-prepare the committed digest in
        // later views, so it is always among the latest (the view-change rule's A2 needs only that one).
        if (_prePrepared.Count > MaxPrePrepared)
        {
            _prePrepared.Sort((a, b) => b.View.CompareTo(a.View));
            _prePrepared.RemoveRange(MaxPrePrepared, _prePrepared.Count - MaxPrePrepared);
        }
    }

    public void MarkPrepared(long view, Digest digest)
    {
        if (Prepared is not { } p || p.View <= view)
        {
            Prepared = new SlotEntry(Sequence, digest, view);
        }
    }

    public void MarkCommitted(Digest digest)
    {
        IsCommitted = true;
        CommittedDigest = digest;
        if (Batch is not null && Batch.Digest != digest)
        {
            Batch = null;
        }
    }

    public VoteSet? Prepares(long view, Digest digest) => Find(_prepares, view, digest);

    public VoteSet? Commits(long view, Digest digest) => Find(_commits, view, digest);

    public VoteSet? AddPrepare(long view, Digest digest, int replica) => Add(_prepares, view, digest, replica);

    public VoteSet? AddCommit(long view, Digest digest, int replica) => Add(_commits, view, digest, replica);

    /// <summary>Drops votes of views before <paramref name="view"/>.</summary>
    public void ForgetVotesBefore(long view)
    {
        _prepares.RemoveAll(v => v.View < view);
        _commits.RemoveAll(v => v.View < view);
    }

    private static VoteSet? Find(List<VoteSet> sets, long view, Digest digest)
    {
        foreach (var set in sets)
        {
            if (set.View == view && set.Digest == digest)
            {
                return set;
            }
        }

        return null;
    }

    private static VoteSet? Add(List<VoteSet> sets, long view, Digest digest, int replica)
    {
        var set = Find(sets, view, digest);
        if (set is null)
        {
            if (sets.Count >= MaxVoteSets)
            {
                return null;
            }

            set = new VoteSet(view, digest);
            sets.Add(set);
        }

        set.Add(replica);
        return set;
    }
}
