using Roost.Core.Model;

namespace Roost.Core.Monitoring;

/// <summary>
/// One monitoring observation of a host or VM, averaged over a monitoring interval: resource usage (cores, MiB,
/// Mbit/s) plus the swap traffic the hypervisor sees (MiB/s in + out), the only memory-pressure signal a black box has.
/// </summary>
public readonly record struct UsageSample(ResourceVector Usage, double SwapMiBPerSecond = 0);
