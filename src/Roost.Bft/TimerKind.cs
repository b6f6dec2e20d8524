namespace Roost.Bft;

/// <summary>
/// The timers a node may ask for. A node has at most one pending timer of each kind: setting one replaces the
/// previous, and the host delivers <see cref="Input.TimerExpired"/> when it is due.
/// </summary>
public enum TimerKind
{
    /// <summary>Agreement: a request known to this replica has not committed in time (start a view change), or a view change has not completed.</summary>
    ViewChange,

    /// <summary>Retransmit what may have been lost (votes, view-change messages, client requests, fetches).</summary>
    Retransmit,

    /// <summary>Agreement: the execution controller's periodic check for missing replies.</summary>
    ExecutionWatch,

    /// <summary>Execution: fetch order certificates, batches or state that has not arrived.</summary>
    Fetch,

    /// <summary>Execution: audit a slice of the stored state against its digests.</summary>
    Audit,

    /// <summary>Execution: a sleeping replica told to wake finishes resuming.</summary>
    Resume,
}
