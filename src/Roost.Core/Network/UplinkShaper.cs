namespace Roost.Core.Network;

/// <summary>The uplink's tbf as the lab built it (rate is the fabric's uplink rate): what removing the reservations restores.</summary>
public sealed record UplinkShaper(long BurstBytes, long LimitBytes);
