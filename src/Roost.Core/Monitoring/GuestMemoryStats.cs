namespace Roost.Core.Monitoring;

/// <summary>
/// Memory statistics a gray-box daemon reads inside the guest OS (e.g. /proc/meminfo, vmstat): memory in use, the
/// working-set estimate, swap traffic (MiB/s) and major page faults per second.
/// </summary>
public sealed record GuestMemoryStats(double InUseMiB, double WorkingSetMiB, double SwapMiBPerSecond, double PageFaultsPerSecond);
