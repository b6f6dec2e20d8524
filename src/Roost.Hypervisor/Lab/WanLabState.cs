using System.Text.Json.Serialization;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// What <c>up</c> recorded about a lab, written before it creates anything and updated as it goes, so <c>down</c>
/// removes exactly what exists of it even after a crash. <see cref="Owner"/> is the process whose death makes the
/// lab stale (a test run); null for a lab made by <c>roost lab wan up</c>, which lasts until <c>down</c>.
/// </summary>
public sealed record WanLabState(
    string Name,
    int Sites,
    long BandwidthBitsPerSecond,
    long RoundTripMicroseconds,
    ProcessIdentity? Relay,
    ProcessIdentity? Owner,
    bool Complete,
    DateTimeOffset Created)
{
    [JsonIgnore]
    public WanLabOptions Options =>
        new(Sites, new BitRate(BandwidthBitsPerSecond), TimeSpan.FromMicroseconds(RoundTripMicroseconds));

    /// <summary>
    /// Every namespace the lab has or may have had, derived from its name and site count (not stored: nothing read
    /// from the file but the allow-listed name and a validated count reaches <c>ip netns</c>).
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<string> Namespaces => new WanLabLayout(LabName.Parse(Name), Options).Namespaces;

    /// <summary>
    /// Whether this is a state <c>up</c> could have written: a lab name and options that pass
    /// <see cref="WanLabOptions.Validate"/>. The store ignores any other file.
    /// </summary>
    [JsonIgnore]
    public bool IsWellFormed =>
        LabName.TryParse(Name, out _, out _)
        && RoundTripMicroseconds >= 0
        && RoundTripMicroseconds <= WanLabOptions.MaxRoundTrip.Ticks / TimeSpan.TicksPerMicrosecond
        && Options.Validate() is null;

    /// <summary>
    /// Its owner (a test run) is gone, or it was left half built (under the store's lock no <c>up</c> is half way,
    /// so an incomplete state is a crashed one): <see cref="WanLab.SweepStaleAsync"/> removes it.
    /// </summary>
    [JsonIgnore]
    public bool IsStale => !Complete || Owner is { IsAlive: false };

    public static WanLabState Planned(WanLabLayout layout, ProcessIdentity? owner, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new(
            layout.Name.Value,
            layout.Options.Sites,
            layout.Options.Bandwidth.BitsPerSecond,
            layout.Options.RoundTrip.Ticks / TimeSpan.TicksPerMicrosecond,
            null,
            owner,
            false,
            now);
    }
}
