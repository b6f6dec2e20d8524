using Roost.Controller.Control;

namespace Roost.Controller.Api;

/// <summary>One control step for the charts: mean CPU utilisation (0..1) of active hosts, hot and active hosts, power (W), migrations started.</summary>
public sealed record TickResponse(DateTimeOffset At, double ClockSeconds, double MeanCpu, int HotHosts, int ActiveHosts, double PowerWatts, int Migrations)
{
    public static TickResponse From(TickSummary t) =>
        new(t.At, Math.Round(t.Clock.TotalSeconds), Math.Round(t.MeanCpuUtilization, 4), t.HotHosts, t.ActiveHosts, Math.Round(t.PowerWatts, 1), t.MigrationsStarted);
}
