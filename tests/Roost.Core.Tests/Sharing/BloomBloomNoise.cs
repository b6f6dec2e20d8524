using System.Runtime.InteropServices;
using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

/// <summary>
/// Bloom ∩ Bloom on a small intersection of large sets, the sizes of the real cross-kernel pairs (≈ 730 shared pages
/// between sets of ≈ 11,000 and ≈ 19,000, filters sized for one 128 MiB VM): the measured spread of the estimate over
/// seeded trials beside the chance-collision formulas.
/// </summary>
internal static class BloomBloomNoise
{
    public const int SizeA = 11_000;
    public const int SizeB = 19_000;
    public const int Shared = 730;

    public sealed record Row(double M, double K, double SimpleSd, double CorrectedSd, double MeasuredSd, double MeanError, double MaxAbsError);

    /// <summary>Trials with seeds 1 … <paramref name="trials"/> at <paramref name="bitsPerPage"/>.</summary>
    public static Row Measure(double bitsPerPage, int trials)
    {
        var parameters = BloomParameters.ForPages(32_768, bitsPerPage);
        double m = parameters.BitCount, k = parameters.HashCount;
        var errors = Enumerable.Range(1, trials).Select(seed =>
        {
            var random = new Random(seed);
            var hashes = new ulong[SizeA + SizeB - Shared];
            random.NextBytes(MemoryMarshal.AsBytes(hashes.AsSpan()));
            var a = BloomFingerprint.FromPageHashes(hashes.AsSpan(0, SizeA), parameters);
            var b = BloomFingerprint.FromPageHashes(hashes.AsSpan(SizeA - Shared), parameters);
            return SharingEstimator.BloomBloom(a, b) - Shared;
        }).ToArray();
        var mean = errors.Average();
        var sd = Math.Sqrt(errors.Average(e => (e - mean) * (e - mean)));
        return new Row(m, k, Math.Sqrt((double)SizeA * SizeB / m), FillCorrectedSd(m, k), sd, mean, errors.Max(Math.Abs));
    }

    /// <summary>
    /// sd of Bloom ∩ Bloom from the zero-bit counts, each bit independent: with q the probability a bit is still zero
    /// (e^(-kn/m) for A, B and the union), ŝ = x̂_A + x̂_B - x̂_∪ with x̂ = -(m/k)·ln(Z/m) linearised per bit gives
    /// Var(ŝ) = (m/k²)·(q_∪(1/q_A + 1/q_B - 1/q_∪)² + (q_A - q_∪)/q_A² + (q_B - q_∪)/q_B² - 1), which tends to
    /// nA·nB/m when the filters are sparse.
    /// </summary>
    private static double FillCorrectedSd(double m, double k)
    {
        var qa = Math.Exp(-k * SizeA / m);
        var qb = Math.Exp(-k * SizeB / m);
        var qu = Math.Exp(-k * (SizeA + SizeB - Shared) / m);
        var both = (1 / qa) + (1 / qb) - (1 / qu);
        return Math.Sqrt(m / (k * k) * ((qu * both * both) + ((qa - qu) / (qa * qa)) + ((qb - qu) / (qb * qb)) - 1));
    }
}
