namespace Roost.Core.Overheads;

/// <summary>
/// One metric of a native (non-virtualized) usage profile, as MOVE records it (Wood et al., Middleware 2008, Table 1):
/// three CPU figures, four network and four disk rates. The numeric order is the order of every table, file and vector.
/// </summary>
/// <remarks>
/// Units: CPU figures are percent of one core (100 = one core busy for the whole interval, so a busy 2-core machine
/// reads 200); packets, requests and bytes are per second; blocks are 512-byte sectors per second, as
/// <c>/proc/diskstats</c> counts them.
/// </remarks>
public enum NativeMetric
{
    CpuUserPct,
    CpuSystemPct,
    CpuIowaitPct,
    NetRxPacketsPerS,
    NetTxPacketsPerS,
    NetRxBytesPerS,
    NetTxBytesPerS,
    DiskReadsPerS,
    DiskWritesPerS,
    DiskReadBlocksPerS,
    DiskWriteBlocksPerS,
}
