namespace Roost.Controller.Control;

/// <summary>
/// One step for the dashboard's charts: mean CPU utilisation of the hosts with VMs (0..1), hot hosts, hosts with VMs,
/// total power in watts, migrations started in this step.
/// </summary>
public sealed record TickSummary(DateTimeOffset At, TimeSpan Clock, double MeanCpuUtilization, int HotHosts, int ActiveHosts, double PowerWatts, int MigrationsStarted);
