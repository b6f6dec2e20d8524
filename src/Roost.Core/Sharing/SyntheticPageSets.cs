namespace Roost.Core.Sharing;

/// <summary>
/// Seeded synthetic guest memories for tests, benchmarks and the error table. Every VM draws a fraction of a common
/// base (pages all guests share, e.g. a kernel), a fraction of its profile's base (e.g. a runtime or database server)
/// and private pages of its own. Page hashes are uniform random 64-bit values, as XxHash3 of distinct pages are.
/// </summary>
/// <remarks>
/// With a sampling shift the generator produces the sample directly (one hash per 2^shift pages, low bits cleared), so
/// data-center-sized sets cost what their sampled fingerprints cost. Randomness comes only from the
/// <see cref="Random"/> passed in: the same seed gives the same pages.
/// </remarks>
public sealed class SyntheticPageSets
{
    private readonly Random _random;
    private readonly ulong[] _common;
    private readonly ulong[][] _profiles;

    /// <param name="random">Seeded source of randomness (owned by the caller).</param>
    /// <param name="profileCount">Number of guest profiles.</param>
    /// <param name="commonPages">Pages in the base shared by every profile.</param>
    /// <param name="profilePages">Pages in each profile's own base.</param>
    /// <param name="sampling">Sampling of the generated hashes.</param>
    public SyntheticPageSets(Random random, int profileCount, long commonPages, long profilePages, HashSampling sampling = default)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(profileCount, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(commonPages);
        ArgumentOutOfRangeException.ThrowIfNegative(profilePages);
        _random = random;
        Sampling = sampling;
        _common = NewHashes(commonPages);
        _profiles = [.. Enumerable.Range(0, profileCount).Select(_ => NewHashes(profilePages))];
    }

    public HashSampling Sampling { get; }

    public int ProfileCount => _profiles.Length;

    /// <summary>
    /// A VM of <paramref name="profile"/>: each page of the common and profile bases kept with probability
    /// <paramref name="baseFraction"/>, plus <paramref name="privatePages"/> pages no one else has.
    /// </summary>
    public ExactFingerprint NextVm(int profile, double baseFraction, long privatePages)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(profile);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(profile, _profiles.Length);
        if (!(baseFraction is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(baseFraction), baseFraction, "Base fraction must lie in [0, 1].");
        }

        var hashes = new List<ulong>();
        Draw(_common, baseFraction, hashes);
        Draw(_profiles[profile], baseFraction, hashes);
        hashes.AddRange(NewHashes(privatePages));
        return ExactFingerprint.FromPageHashes(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(hashes), 0, Sampling);
    }

    private void Draw(ulong[] basePages, double fraction, List<ulong> into)
    {
        foreach (var hash in basePages)
        {
            if (_random.NextDouble() < fraction)
            {
                into.Add(hash);
            }
        }
    }

    private ulong[] NewHashes(long pages)
    {
        var hashes = new ulong[pages / Sampling.Scale];
        var bytes = new byte[8];
        for (var i = 0; i < hashes.Length; i++)
        {
            _random.NextBytes(bytes);
            hashes[i] = BitConverter.ToUInt64(bytes) & ~(ulong)(Sampling.Scale - 1);
        }

        return hashes;
    }
}
