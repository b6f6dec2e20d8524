namespace Roost.Simulation.Workloads;

/// <summary>
/// A seeded synthetic CPU workload whose statistics resemble the PlanetLab traces CloudSim uses (20110303: mean
/// 12.31 %, sd 17.09 %, quartiles 2/6/15 %). The default workload of <c>roost simulate</c>. Model and measured
/// figures: docs/workloads.md.
/// </summary>
/// <remarks>
/// Per VM: a base level drawn from a log-logistic distribution (median <see cref="BaseMedianPercent"/>, stratified
/// over the VMs so every seed has the same spread), times a log-normal factor made of an AR(1) drift and white noise,
/// plus rare bursts; then a soft cap <c>c · (1 − e^(−x/c))</c> and truncation to an integer percent 0..99 as in
/// PlanetLab's files. Each VM draws from its own SplitMix64 stream seeded by (seed, index), so the output depends only
/// on the arguments, never on thread scheduling.
/// </remarks>
internal static class SyntheticWorkload
{
    public const int DefaultVms = 1052;
    public const int DefaultSteps = 288;

    /// <summary>Most VMs generated: 100,000 VMs of 288 steps are 230 MB of samples (2.5 times the largest run documented).</summary>
    public const int MaxVms = 100_000;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);

    private const double BaseMedianPercent = 8.4;
    private const double BaseShape = 1.5;            // log-logistic β: log-scale sd π/(β√3) ≈ 1.2
    private const double BaseCapPercent = 120.0;
    private const double NoiseSd = 0.65;             // white log-noise sd; each VM scales it by U(0.5, 1.5)
    private const double DriftPhi = 0.9;             // AR(1) coefficient per 300 s step
    private const double DriftSd = 0.35;             // stationary sd of the AR(1) log-drift
    private const double SoftCapPercent = 120.0;
    private const uint BurstThreshold = 262;         // of 65536: a burst starts with probability 0.004 per step
    private const int LongestBurstSteps = 6;
    private const double BurstMinPercent = 10.0;
    private const double BurstMaxPercent = 60.0;

    /// <summary>ln x_k for k = 1..99 (see <see cref="SoftCappedPercent"/>), padded to 128 with +∞.</summary>
    private static readonly double[] _logThresholds = BuildLogThresholds();

    public static Workload Generate(int seed, int vmCount = DefaultVms, int steps = DefaultSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vmCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(vmCount, MaxVms);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);

        // Stratify base levels: VM v gets the stratum rank[v] of n equal-probability strata, in a seeded order.
        var master = new SplitMix64(unchecked((ulong)seed * 0xD1B54A32D192ED03UL));
        var rank = new int[vmCount];
        for (var i = 0; i < vmCount; i++)
        {
            rank[i] = i;
        }

        for (var i = vmCount - 1; i > 0; i--)
        {
            var j = master.NextInt(i + 1);
            (rank[i], rank[j]) = (rank[j], rank[i]);
        }

        var vms = new VmTrace[vmCount];
        var streamSeed = master.Next();
        Parallel.For(0, vmCount, v =>
        {
            var random = new SplitMix64(streamSeed ^ unchecked((ulong)v * 0x9E3779B97F4A7C15UL));
            var cpu = new double[steps];
            FillVm(ref random, (rank[v] + random.NextDouble()) / vmCount, cpu);
            vms[v] = new VmTrace($"synthetic-{v:D5}", cpu);
        });

        return new Workload($"synthetic:{seed}", Interval, vms);
    }

    private static void FillVm(ref SplitMix64 random, double quantile, double[] cpu)
    {
        var p = Math.Clamp(quantile, 1e-9, 1 - 1e-9);
        var baseLevel = Math.Min(BaseCapPercent, BaseMedianPercent * Math.Pow(p / (1 - p), 1 / BaseShape));
        var noiseSd = NoiseSd * (0.5 + random.NextDouble());
        var innovationSd = DriftSd * Math.Sqrt(1 - (DriftPhi * DriftPhi));
        var scale = baseLevel * Math.Exp(-((noiseSd * noiseSd) + (DriftSd * DriftSd)) / 2); // keeps E[x] = base
        var logScale = Math.Log(scale);
        var drift = DriftSd * Normal4(random.Next());
        var burstLeft = 0;
        var burstLevel = 0.0;
        for (var t = 0; t < cpu.Length; t++)
        {
            var noise = random.Next();
            var other = random.Next();
            drift = (DriftPhi * drift) + (innovationSd * Normal3(other));
            var logX = logScale + drift + (noiseSd * Normal4(noise));
            if (burstLeft > 0)
            {
                logX = Math.Log(Math.Exp(logX) + burstLevel);
                burstLeft--;
            }
            else if ((uint)(other >> 48) < BurstThreshold)
            {
                burstLeft = 1 + random.NextInt(LongestBurstSteps);
                burstLevel = BurstMinPercent + ((BurstMaxPercent - BurstMinPercent) * random.NextDouble());
            }

            cpu[t] = SoftCappedPercent(logX) / 100.0;
        }
    }

    /// <summary>
    /// <c>min(99, ⌊c · (1 − e^(−x/c))⌋)</c> for <c>x = e^logX</c>, without an exp: the count of integer thresholds
    /// <c>x_k = −c · ln(1 − k/c)</c> (k = 1..99) at or below x, found by a branch-light binary search in log space.
    /// </summary>
    private static int SoftCappedPercent(double logX)
    {
        var thresholds = _logThresholds;
        var i = 0;
        for (var step = 64; step > 0; step >>= 1)
        {
            if (thresholds[i + step - 1] <= logX)
            {
                i += step;
            }
        }

        return i;
    }

    private static double[] BuildLogThresholds()
    {
        var thresholds = new double[128];
        Array.Fill(thresholds, double.PositiveInfinity);
        for (var k = 1; k <= 99; k++)
        {
            thresholds[k - 1] = Math.Log(-SoftCapPercent * Math.Log(1 - (k / SoftCapPercent)));
        }

        return thresholds;
    }

    /// <summary>Approximately standard normal: the Irwin–Hall sum of four 16-bit uniforms, centred and scaled.</summary>
    private static double Normal4(ulong bits)
    {
        const double Unit = 1.0 / 65536;
        var sum = (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF) + (bits >> 48);
        return ((sum * Unit) - 2.0) * 1.7320508075688772; // var of U(0,1) is 1/12: 4/12 → ×√3
    }

    /// <summary>As <see cref="Normal4"/> from the low three 16-bit parts (the top part is left for the burst draw).</summary>
    private static double Normal3(ulong bits)
    {
        const double Unit = 1.0 / 65536;
        var sum = (bits & 0xFFFF) + ((bits >> 16) & 0xFFFF) + ((bits >> 32) & 0xFFFF);
        return ((sum * Unit) - 1.5) * 2.0; // 3/12 → ×2
    }
}
