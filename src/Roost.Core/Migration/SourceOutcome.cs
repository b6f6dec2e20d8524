namespace Roost.Core.Migration;

/// <summary>How an outgoing migration ended, and so where the VM is. Closed set: match on it.</summary>
public abstract record SourceOutcome
{
    private SourceOutcome()
    {
    }

    /// <summary>One line for logs and problem details.</summary>
    public abstract string Describe();

    /// <summary>The destination runs the VM; the source destroyed its copy. <see cref="Last"/> is QEMU's last report.</summary>
    public sealed record Completed(StreamProgress? Last) : SourceOutcome
    {
        public override string Describe() => "completed: the VM runs at the destination";
    }

    /// <summary>The VM runs on the source (resumed if it had been paused); the destination holds nothing of it.</summary>
    public sealed record Aborted(string Reason, bool Cancelled) : SourceOutcome
    {
        public override string Describe() => Reason;
    }

    /// <summary>The source's QEMU died before a whole copy reached the destination: the crash, not the migration, lost the VM.</summary>
    public sealed record Lost(string Reason) : SourceOutcome
    {
        public override string Describe() => Reason;
    }

    /// <summary>
    /// The destination never gave a definite answer after the stream completed: the source keeps its copy paused and
    /// whole (resuming it blindly could run the VM twice). The operator decides.
    /// </summary>
    public sealed record InDoubt(string Reason) : SourceOutcome
    {
        public override string Describe() => Reason;
    }
}
