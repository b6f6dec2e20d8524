using Roost.Core.Power;

namespace Roost.Core.Tests.Power;

public sealed class SpecPowerModelTests
{
    [Theory]
    [InlineData(0.0, 86.0)]
    [InlineData(0.5, 102.0)]
    [InlineData(1.0, 117.0)]
    public void G4_AtTablePoints_ReturnsMeasuredWatts(double utilization, double watts)
    {
        Assert.Equal(watts, SpecPowerModel.HpProLiantMl110G4.PowerWatts(utilization), 9);
    }

    [Theory]
    [InlineData(0.0, 93.7)]
    [InlineData(0.3, 105.0)]
    [InlineData(1.0, 135.0)]
    public void G5_AtTablePoints_ReturnsMeasuredWatts(double utilization, double watts)
    {
        Assert.Equal(watts, SpecPowerModel.HpProLiantMl110G5.PowerWatts(utilization), 9);
    }

    [Theory]
    [InlineData(0.05, 87.7)]
    [InlineData(0.25, 94.3)]
    [InlineData(0.97, 116.1)]
    public void G4_BetweenTablePoints_InterpolatesLinearly(double utilization, double watts)
    {
        Assert.Equal(watts, SpecPowerModel.HpProLiantMl110G4.PowerWatts(utilization), 9);
    }

    [Fact]
    public void G5_BetweenTablePoints_InterpolatesLinearly()
    {
        // 101 W at 20 %, 105 W at 30 %: a quarter of the way is 102 W.
        Assert.Equal(102.0, SpecPowerModel.HpProLiantMl110G5.PowerWatts(0.225), 9);
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void PowerWatts_OutsideUnitInterval_Throws(double utilization)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SpecPowerModel.HpProLiantMl110G4.PowerWatts(utilization));
    }

    [Fact]
    public void Constructor_WrongNumberOfPoints_Throws()
    {
        Assert.Throws<ArgumentException>(() => new SpecPowerModel("short", [1, 2, 3]));
    }
}
