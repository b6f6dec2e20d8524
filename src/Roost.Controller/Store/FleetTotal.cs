namespace Roost.Controller.Store;

/// <summary>
/// The fleet at one stored sample instant: how many hosts were sampled, their summed usage (cores, MiB, Mbit/s), and
/// how many migrations started after the previous sample instant and up to this one.
/// </summary>
public sealed record FleetTotal(DateTimeOffset At, int HostsSampled, Roost.Core.Model.ResourceVector Usage, int MigrationsStarted);
