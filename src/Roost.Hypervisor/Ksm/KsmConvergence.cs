namespace Roost.Hypervisor.Ksm;

/// <summary>What <see cref="KsmSession.ConvergeAsync"/> saw: the counters, full scans waited, whether they settled, and how long it took.</summary>
public sealed record KsmConvergence(KsmCounters Counters, long FullScans, bool Settled, TimeSpan Elapsed);
