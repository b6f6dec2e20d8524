namespace Roost.Simulation.Scenarios;

/// <summary>
/// What a VM demands from <see cref="StartSecond"/> until the next phase: CPU in cores, network in Mbit/s, and the
/// memory working set in MiB (more than the allocation means the guest swaps). <see cref="Application"/> is what a
/// gray-box daemon would read from the application's logs.
/// </summary>
public sealed record LoadPhase(
    int StartSecond,
    double CpuCores,
    double NetworkMbps,
    double WorkingSetMiB,
    ApplicationProfile? Application);
