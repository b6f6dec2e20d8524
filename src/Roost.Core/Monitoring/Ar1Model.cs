namespace Roost.Core.Monitoring;

/// <summary>
/// A first-order autoregressive model x[t+1] − μ = φ (x[t] − μ) + ε, Sandpiper's predictor of the next observation
/// (Wood et al., NSDI 2007, hotspot detection). <see cref="Last"/> is the newest observation the model was fitted on.
/// </summary>
public readonly record struct Ar1Model(double Mean, double Phi, double Last)
{
    /// <summary>The one-step-ahead forecast μ + φ (x[n] − μ).</summary>
    public double Forecast => Mean + (Phi * (Last - Mean));

    /// <summary>
    /// Fits μ and φ on <paramref name="observations"/> (oldest first) by the Yule–Walker estimator: μ is the sample
    /// mean and φ the lag-1 sample autocorrelation Σ(x[t] − μ)(x[t+1] − μ) / Σ(x[t] − μ)², which by construction lies
    /// in [−1, 1]. A constant window has no autocorrelation to estimate and gets φ = 0 (forecast = the constant). With
    /// fewer than two observations the forecast is the last one (or 0 if there is none).
    /// </summary>
    public static Ar1Model Fit(ReadOnlySpan<double> observations)
    {
        if (observations.Length == 0)
        {
            return new Ar1Model(0, 0, 0);
        }

        var last = observations[^1];
        if (observations.Length == 1)
        {
            return new Ar1Model(last, 0, last);
        }

        var sum = 0.0;
        foreach (var x in observations)
        {
            sum += x;
        }

        var mean = sum / observations.Length;
        var variance = 0.0;
        var covariance = 0.0;
        for (var t = 0; t < observations.Length; t++)
        {
            var deviation = observations[t] - mean;
            variance += deviation * deviation;
            if (t + 1 < observations.Length)
            {
                covariance += deviation * (observations[t + 1] - mean);
            }
        }

        // Relative guard: rounding leaves tiny non-zero variance on a constant window.
        var phi = variance <= 1e-12 * Math.Max(1, mean * mean) * observations.Length ? 0 : Math.Clamp(covariance / variance, -1, 1);
        return new Ar1Model(mean, phi, last);
    }
}
