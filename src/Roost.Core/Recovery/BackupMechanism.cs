namespace Roost.Core.Recovery;

/// <summary>How the DR site is kept current, as the HotCloud 2010 paper's backup mechanisms (§2): cold, warm, hot.</summary>
public enum BackupMechanism
{
    /// <summary>Cold: a backup copied off site at intervals (daily). RPO the interval; RTO hours (restore, then boot).</summary>
    Periodic,

    /// <summary>
    /// Warm: every write shipped as it happens (async, sync or pipelined: the same price here) to a replication manager
    /// that keeps the replica's disks; its VMs run only after a failover. RPO zero to seconds; RTO minutes (boot).
    /// </summary>
    Continuous,

    /// <summary>Hot: the application's servers run at the DR site all the time, ready to take over. RTO seconds.</summary>
    HotStandby,
}
