namespace Roost.Controller.Tests.Load;

/// <summary>
/// What a load run measured: requests sent and their status classes, transport failures, throughput, latency
/// percentiles in milliseconds, and the health probes made alongside (with the first failure's answer).
/// </summary>
internal sealed record LoadReport(
    TimeSpan Elapsed,
    int Requests,
    int Ok,
    int ClientErrors,
    int ServerErrors,
    int Failures,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    int HealthProbes,
    int HealthFailures,
    string? FirstHealthFailure)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public override string ToString() =>
        $"{Requests} requests in {Elapsed.TotalSeconds:0.0} s = {RequestsPerSecond:0} req/s; p50 {P50Ms:0.0} ms, p99 {P99Ms:0.0} ms, max {MaxMs:0.0} ms; "
        + $"2xx {Ok}, 4xx {ClientErrors}, 5xx {ServerErrors}, failed {Failures}; health {HealthProbes - HealthFailures}/{HealthProbes} ok"
        + (FirstHealthFailure is null ? "" : $" (first failure: {FirstHealthFailure})");
}
