using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Monitoring;

public sealed class Ar1ModelTests
{
    [Fact]
    public void Fit_Ramp_YuleWalkerByHand()
    {
        // μ = 2.5; Σ dev² = 5; Σ dev[t]·dev[t+1] = 0.75 − 0.25 + 0.75 = 1.25; φ = 0.25; forecast = 2.5 + 0.25 · 1.5.
        var model = Ar1Model.Fit([1.0, 2, 3, 4]);

        Assert.Equal(2.5, model.Mean, 12);
        Assert.Equal(0.25, model.Phi, 12);
        Assert.Equal(2.875, model.Forecast, 12);
    }

    [Fact]
    public void Fit_Alternating_NegativeAutocorrelation()
    {
        // μ = 0.5; Σ dev² = 1; three products of −0.25; φ = −0.75; forecast = 0.5 − 0.75 · 0.5.
        var model = Ar1Model.Fit([0.0, 1, 0, 1]);

        Assert.Equal(-0.75, model.Phi, 12);
        Assert.Equal(0.125, model.Forecast, 12);
    }

    [Fact]
    public void Fit_Constant_ForecastsTheConstant()
    {
        var model = Ar1Model.Fit([0.3, 0.3, 0.3, 0.3]);

        Assert.Equal(0, model.Phi);
        Assert.Equal(0.3, model.Forecast, 12);
    }

    [Theory]
    [InlineData(new double[] { }, 0)]
    [InlineData(new double[] { 7 }, 7)]
    public void Fit_TooFewObservations_ForecastsTheLastOrZero(double[] observations, double expected)
    {
        var model = Ar1Model.Fit(observations);

        Assert.Equal(expected, model.Forecast);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Fit_RandomSeries_PhiStaysWithinUnitInterval(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 200; trial++)
        {
            var series = Enumerable.Range(0, random.Next(2, 30)).Select(_ => random.NextDouble() * 10).ToArray();

            var model = Ar1Model.Fit(series);

            Assert.True(model.Phi is >= -1 and <= 1, $"seed {seed}, trial {trial}: φ = {model.Phi}");
        }
    }
}
