namespace Roost.Simulation.Workloads;

/// <summary>
/// The order in which a folder's trace files become VMs 0, 1, 2, … It matters because the CloudSim setup gives
/// VM <c>i</c> of <c>n</c> the type <c>i / ⌈n/4⌉</c>.
/// </summary>
public enum VmOrder
{
    /// <summary>File names in ordinal (byte) order: the same on every machine. The default.</summary>
    Name,

    /// <summary>
    /// The order the file system lists the folder in, as CloudSim's <c>File.listFiles()</c> reads it. On ext4 that is
    /// hash order, fixed for one file system but not portable; use it to reproduce a CloudSim run on the same disk.
    /// </summary>
    Listing,
}
