namespace Roost.Bft;

/// <summary>
/// The knobs of a deployment, shared by every node of it. Defaults suit a LAN; the simulator scales the timeouts to
/// its network. <see cref="Validate"/> is the one place they are checked.
/// </summary>
public sealed record BftOptions
{
    /// <summary>Faults tolerated: 3f+1 agreement replicas, 2f+1 execution replicas.</summary>
    public int F { get; init; } = 1;

    public ExecutionMode Mode { get; init; } = ExecutionMode.Zz;

    /// <summary>Execution replicas checkpoint every K sequence numbers (K).</summary>
    public int CheckpointInterval { get; init; } = 16;

    /// <summary>Log window above the stable checkpoint, in sequence numbers (PBFT's L = H - h); a multiple of K.</summary>
    public int Window { get; init; } = 64;

    /// <summary>Most requests in one batch.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>Batches a primary keeps in flight (pre-prepared, not yet committed) before it waits.</summary>
    public int MaxInFlight { get; init; } = 4;

    /// <summary>Objects that hold the reply cache (last timestamp and reply per client), after the service's objects.</summary>
    public int ReplyCacheObjects { get; init; } = 16;

    /// <summary>A request a backup knows of must commit within this, or it starts a view change (doubling per failed view).</summary>
    public TimeSpan ViewChangeTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How often lost messages are retransmitted (votes, view changes, fetches).</summary>
    public TimeSpan RetransmitInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Tick of the ZZ controller: a batch whose replies are missing after two ticks is a timeout.</summary>
    public TimeSpan ExecutionWatchInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Ticks after a wake-up before the controller decides who is faulty even if some replica never answered.</summary>
    public int RecoveryGraceTicks { get; init; } = 20;

    /// <summary>A client retransmits (to every agreement replica) after this.</summary>
    public TimeSpan ClientRetransmit { get; init; } = TimeSpan.FromMilliseconds(400);

    /// <summary>Time a sleeping replica takes to resume once woken (a paused VM's resume).</summary>
    public TimeSpan ResumeDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How often an execution replica audits a slice of its state.</summary>
    public TimeSpan AuditInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Objects re-hashed per audit tick; the whole state is covered every objects/slice ticks.</summary>
    public int AuditObjectsPerTick { get; init; } = 64;

    /// <summary>Most state-transfer items (Merkle nodes plus objects) in one request.</summary>
    public int FetchItemsPerRequest { get; init; } = 256;

    /// <summary>State-transfer requests a replica keeps outstanding.</summary>
    public int FetchRequestsInFlight { get; init; } = 4;

    /// <summary>Log entries per sync reply.</summary>
    public int SyncEntriesPerReply { get; init; } = 256;

    public int AgreementReplicas => 3 * F + 1;

    public int ExecutionReplicas => 2 * F + 1;

    /// <summary>2f+1: prepared and committed certificates, stable checkpoints, view-change sets.</summary>
    public int Quorum => 2 * F + 1;

    /// <summary>f+1: at least one correct node among them.</summary>
    public int WeakQuorum => F + 1;

    public int ActiveExecutionReplicas => Mode == ExecutionMode.Zz ? F + 1 : 2 * F + 1;

    /// <summary>Null if the options are consistent; otherwise one line naming the first bad field.</summary>
    public string? Validate()
    {
        if (F is < 1 or > 20)
        {
            return $"F {F} is not from 1 to 20";
        }

        if (CheckpointInterval < 1)
        {
            return $"CheckpointInterval {CheckpointInterval} is not positive";
        }

        if (Window < 2 * CheckpointInterval || Window % CheckpointInterval != 0)
        {
            return $"Window {Window} is not a multiple of CheckpointInterval {CheckpointInterval} of at least twice it";
        }

        if (MaxBatch < 1 || MaxInFlight < 1 || ReplyCacheObjects < 1 || AuditObjectsPerTick < 1 || FetchItemsPerRequest < 2
            || FetchRequestsInFlight < 1 || SyncEntriesPerReply < 1 || RecoveryGraceTicks < 1)
        {
            return "MaxBatch, MaxInFlight, ReplyCacheObjects, AuditObjectsPerTick, FetchItemsPerRequest, FetchRequestsInFlight, SyncEntriesPerReply and RecoveryGraceTicks must be positive";
        }

        foreach (var (name, value) in new[]
                 {
                     (nameof(ViewChangeTimeout), ViewChangeTimeout), (nameof(RetransmitInterval), RetransmitInterval),
                     (nameof(ExecutionWatchInterval), ExecutionWatchInterval), (nameof(ClientRetransmit), ClientRetransmit),
                     (nameof(ResumeDelay), ResumeDelay), (nameof(AuditInterval), AuditInterval),
                 })
        {
            if (value <= TimeSpan.Zero)
            {
                return $"{name} {value} is not positive";
            }
        }

        return null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with <see cref="Validate"/>'s line if the options are inconsistent.</summary>
    public BftOptions Validated() => Validate() is { } problem ? throw new ArgumentException(problem) : this;
}
