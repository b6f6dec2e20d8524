namespace Roost.Controller.Drivers;

/// <summary>
/// The simulated data center <c>roost serve</c> runs when no agents are given: <see cref="Hosts"/> hosts of 8 cores,
/// 32 GiB and 1 Gbit/s, <see cref="Vms"/> VMs replaying the seeded synthetic PlanetLab-like workload (scaled by
/// <see cref="Intensity"/> so that hotspots occur), time running <see cref="Speed"/> times faster than the wall clock.
/// </summary>
public sealed record SimulatedFleet(int Hosts = 40, int Vms = 120, double Speed = 60, int Seed = 1, double Intensity = 3)
{
    /// <summary>Null when valid, else one line saying what is wrong.</summary>
    public string? Validate() =>
        Hosts is < 1 or > 10_000 ? $"hosts {Hosts} must lie in 1..10000"
        : Vms is < 0 or > 100_000 ? $"vms {Vms} must lie in 0..100000"
        : Speed is < 1 or > 10_000 || double.IsNaN(Speed) ? $"speed {Speed} must lie in 1..10000"
        : Intensity is <= 0 or > 100 || double.IsNaN(Intensity) ? $"intensity {Intensity} must lie in (0, 100]"
        : null;
}
