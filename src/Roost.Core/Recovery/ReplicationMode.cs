namespace Roost.Core.Recovery;

/// <summary>How a protected VM's disk writes are replicated to the cloud site (PipeCloud, SoCC 2011, §3).</summary>
public enum ReplicationMode
{
    /// <summary>Writes complete at once and are shipped behind; at most a bounded number may be unacknowledged (the lag). Packets pass at once. Loses up to the lag.</summary>
    Async,

    /// <summary>A write completes only when the backup has acknowledged it (DRBD protocol C). Packets pass at once. Loses nothing; every write pays the WAN round trip.</summary>
    Sync,

    /// <summary>
    /// Pipelined synchrony (PipeCloud): writes complete at once, but each packet to an external client waits in an
    /// egress buffer until every write it depends on is acknowledged. Clients see nothing that could be lost.
    /// </summary>
    Pipelined,
}
