namespace Roost.Simulation.Scenarios;

/// <summary>
/// A request-serving application: arrivals per second, CPU-seconds one request needs on one core, coefficients of
/// variation of service and inter-arrival times, and the mean response time it must meet.
/// </summary>
public sealed record ApplicationProfile(
    double ArrivalRatePerSecond,
    double CpuSecondsPerRequest,
    double ServiceCv,
    double InterArrivalCv,
    double TargetResponseSeconds);
