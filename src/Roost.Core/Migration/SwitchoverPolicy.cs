namespace Roost.Core.Migration;

/// <summary>
/// When the source stops pre-copying. Consulted on every progress report of an active stream; the machine acts on
/// <see cref="SwitchoverDecision.StartPostCopy"/> once, and only when the stream was started with the
/// <c>postcopy-ram</c> capability (<see cref="RequiresPostCopyRam"/>). This is the hook for a post-copy or hybrid
/// migration and for CloudNet's smart stop (issue 14): another case here, deciding from the same reports.
/// Closed set: match on it.
/// </summary>
public abstract record SwitchoverPolicy
{
    private SwitchoverPolicy()
    {
    }

    /// <summary>Pure pre-copy: QEMU alone decides when to stop the guest (the default).</summary>
    public static SwitchoverPolicy PreCopyOnly { get; } = new PreCopy();

    /// <summary>Whether streams under this policy must be started with <c>postcopy-ram</c>.</summary>
    public abstract bool RequiresPostCopyRam { get; }

    public abstract SwitchoverDecision Decide(StreamProgress progress);

    public sealed record PreCopy : SwitchoverPolicy
    {
        public override bool RequiresPostCopyRam => false;

        public override SwitchoverDecision Decide(StreamProgress progress) => SwitchoverDecision.Continue;
    }

    /// <summary>Hybrid: pre-copy <see cref="Rounds"/> passes over memory (0: none), then switch to post-copy.</summary>
    public sealed record PostCopyAfterRounds(long Rounds) : SwitchoverPolicy
    {
        public override bool RequiresPostCopyRam => true;

        public override SwitchoverDecision Decide(StreamProgress progress)
        {
            ArgumentNullException.ThrowIfNull(progress);
            return progress.Status == StreamStatus.Active && progress.Rounds >= Rounds
                ? SwitchoverDecision.StartPostCopy
                : SwitchoverDecision.Continue;
        }
    }
}
