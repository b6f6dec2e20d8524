using Roost.Core.Power;

namespace Roost.Core.Tests.Power;

public sealed class LinearPowerModelTests
{
    [Theory]
    [InlineData(0.0, 175.0)]
    [InlineData(0.5, 212.5)]
    [InlineData(1.0, 250.0)]
    public void PowerWatts_IsLinearBetweenIdleAndMax(double utilization, double watts)
    {
        var model = new LinearPowerModel(maxWatts: 250, idleFraction: 0.7);

        Assert.Equal(watts, model.PowerWatts(utilization), 9);
    }
}
