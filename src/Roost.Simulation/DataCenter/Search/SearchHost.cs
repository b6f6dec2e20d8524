namespace Roost.Simulation.DataCenter.Search;

/// <summary>
/// What the host search knows of one host, as the planner last set it.
/// </summary>
/// <param name="Candidate">Whether the host is searched at all (it is not pristine: empty, idle and unbooked).</param>
/// <param name="Allocated">MIPS placement counts as allocated (a VM migrating in at its full share).</param>
/// <param name="StalePower">Watts at the utilisation of the last update (constant while planning).</param>
/// <param name="Available">MIPS the scheduler has left.</param>
/// <param name="RamFree">MiB not booked (read only while VMs are created).</param>
/// <param name="BandwidthFree">Mbit/s not booked (read only while VMs are created).</param>
/// <param name="ScreenKey">The overload screen's key (−∞ when the host must not be screened out).</param>
internal readonly record struct SearchHost(bool Candidate, double Allocated, double StalePower, double Available, int RamFree, double BandwidthFree, double ScreenKey);
