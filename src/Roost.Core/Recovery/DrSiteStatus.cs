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
/// when it was last heard from and whether its primary is declared lost.
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
    bool Lost);
