using Roost.Core.Monitoring;

namespace Roost.Core.Tests.Monitoring;

public sealed class UsageProfilePercentileInPlaceTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void PercentileInPlace_AnyOrder_EqualsPercentileOfSorted(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 500; trial++)
        {
            var length = random.Next(1, 40);
            var values = new double[length];
            for (var i = 0; i < length; i++)
            {
                // Few distinct values too, so ties are exercised.
                values[i] = trial % 3 == 0 ? random.Next(0, 4) : random.NextDouble();
            }

            var percent = random.Next(0, 5) switch { 0 => 0, 1 => 100, 2 => 95, 3 => 50, _ => random.NextDouble() * 100 };
            var sorted = values.Order().ToArray();
            var expected = UsageProfile.Percentile(sorted, percent);

            var actual = UsageProfile.PercentileInPlace(values, percent);

            Assert.True(expected == actual, $"seed {seed}, trial {trial}: p{percent} of [{string.Join(", ", sorted)}] gave {actual}, expected {expected}");
        }
    }
}
