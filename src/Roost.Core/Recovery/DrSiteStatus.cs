namespace Roost.Core.Recovery;

/// <summary>
/// What the cloud site's <c>roost dr serve</c> says on <c>GET /status</c> (JSON, camelCase): its knobs and one entry
/// per protected VM.
/// </summary>
public sealed record DrSiteStatus(
    DateTimeOffset At,
    double CheckpointIntervalSeconds,
    int RetainCheckpoints,
    int CheckpointsKept,
    double? LossAfterSeconds,
    IReadOnlyList<DrVmStatus> Vms);

/// <summary>
/// One protected VM at the cloud site: <see cref="Applied"/> writes durable (a failover's point), <see cref="Issued"/>
/// and <see cref="Lag"/> only when its primary's heartbeat said how many it issued, the last checkpoint's write number
/// for this VM (and its time when taken since this server started), whether a primary connection is sending for it,
/// when it was last heard from and whether its primary is declared lost. <see cref="Mode"/>: what its primary's
/// heartbeat said (async, sync, pipelined), null until heard. <see cref="CaughtUpAt"/>: the latest moment at which
/// every write the primary had issued is known durable here (a heartbeat whose issued count <see cref="Applied"/>
/// covers): a failover loses nothing written before it. <see cref="RpoSeconds"/>: the disk's recovery point as a
/// duration, from <see cref="CaughtUpAt"/> to now (to the loss, once lost); null until caught up once. In sync and
/// pipelined modes no client saw a later state, so the client-visible RPO is 0. <see cref="State"/>: one of
/// <see cref="DrVmStates"/>. <see cref="Failover"/> and <see cref="Failback"/>: the last of each at this site.
/// </summary>
public sealed record DrVmStatus(
    int Vm,
    long DiskBytes,
    long Applied,
    long? Issued,
    long? Lag,
    long? LastCheckpointId,
    long? LastCheckpointWrite,
    DateTimeOffset? LastCheckpointAt,
    bool Connected,
    DateTimeOffset? LastContact,
    bool Lost,
    string? Mode = null,
    DateTimeOffset? CaughtUpAt = null,
    double? RpoSeconds = null,
    string State = DrVmStates.Protected,
    DrFailoverStatus? Failover = null,
    DrFailbackStatus? Failback = null);

/// <summary>
/// A failover at the cloud site: asked at <see cref="RequestedAt"/>, the VM fenced (no write of its old primary is
/// applied after) and its replica exported at write <see cref="BootedFromWrite"/>, booted with <see cref="Address"/>;
/// <see cref="ServingAt"/> when its service first answered. <see cref="RtoSeconds"/> runs from the request,
/// <see cref="OutageSeconds"/> from the primary's last contact, to the service answering. <see cref="Problem"/> says
/// why it failed, when it did.
/// </summary>
public sealed record DrFailoverStatus(
    DateTimeOffset RequestedAt,
    string Trigger,
    long? BootedFromWrite,
    string? Address,
    DateTimeOffset? ServingAt,
    double? RtoSeconds,
    double? OutageSeconds,
    string? Problem);

/// <summary>
/// A failback: the failed-over guest stopped at <see cref="RequestedAt"/>, its disk made equal at the recovered primary
/// (<see cref="To"/>) moving <see cref="MovedBytes"/> of <see cref="FullBytes"/> (only the blocks that differ), done at
/// <see cref="DoneAt"/>; <see cref="Problem"/> when it failed.
/// </summary>
public sealed record DrFailbackStatus(
    DateTimeOffset RequestedAt,
    string To,
    DateTimeOffset? DoneAt,
    long? MovedBytes,
    long? FullBytes,
    string? Problem);

/// <summary>The states of a protected VM at the cloud site.</summary>
public static class DrVmStates
{
    /// <summary>Replicated here; its primary serves.</summary>
    public const string Protected = "protected";

    /// <summary>Its primary fell silent longer than the loss time: a failover would boot from <see cref="DrVmStatus.Applied"/>.</summary>
    public const string Lost = "lost";

    /// <summary>Fenced, exporting or booting here.</summary>
    public const string FailingOver = "failing-over";

    /// <summary>Running here, serving at its own address.</summary>
    public const string FailedOver = "failed-over";

    /// <summary>Stopped here; its disk being made equal at the recovered primary.</summary>
    public const string FailingBack = "failing-back";

    /// <summary>The recovered primary holds the disk the cloud site had; protect it again from there.</summary>
    public const string FailedBack = "failed-back";

    /// <summary>A failover or failback failed (see its problem); the replica is kept as it was.</summary>
    public const string Failed = "failed";

    /// <summary>Every state, in the order a VM goes through them.</summary>
    public static IReadOnlyList<string> All { get; } = [Protected, Lost, FailingOver, FailedOver, FailingBack, FailedBack, Failed];
}
