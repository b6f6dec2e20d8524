namespace Roost.Core.Monitoring;

/// <summary>
/// Request-level statistics a gray-box daemon reads from the application's logs over a monitoring window, measured
/// while the VM held <see cref="MeasuredAtCpuCores"/> of CPU. Times are in seconds, variances in seconds².
/// <see cref="TargetResponseSeconds"/> is the mean response time the application is meant to meet.
/// </summary>
public sealed record ApplicationStats(
    double ArrivalRatePerSecond,
    double MeanServiceSeconds,
    double ServiceVarianceSeconds2,
    double InterArrivalVarianceSeconds2,
    double TargetResponseSeconds,
    double MeasuredAtCpuCores);
