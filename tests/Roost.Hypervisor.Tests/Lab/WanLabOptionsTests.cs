using Roost.Hypervisor.Lab;

namespace Roost.Hypervisor.Tests.Lab;

public sealed class WanLabOptionsTests
{
    [Fact]
    public void TryParse_NothingGiven_IsTheDefault()
    {
        Assert.True(WanLabOptions.TryParse(null, null, null, out var options, out _));

        Assert.Equal(new WanLabOptions(2, new BitRate(100_000_000), TimeSpan.FromMilliseconds(40)), options);
    }

    [Theory]
    [InlineData("3", "1gbit", "100ms", 3, 1_000_000_000L, 100_000)]
    [InlineData("2", "500kbit", "0", 2, 500_000L, 0)]
    [InlineData("8", "2.5Mbit", "1.5s", 8, 2_500_000L, 1_500_000)]
    [InlineData("2", "100mbit", "250us", 2, 100_000_000L, 250)]
    public void TryParse_ValidText_GivesTheValues(string sites, string bandwidth, string rtt, int expectedSites, long bits, long microseconds)
    {
        Assert.True(WanLabOptions.TryParse(sites, bandwidth, rtt, out var options, out var error), error);

        Assert.Equal(new WanLabOptions(expectedSites, new BitRate(bits), TimeSpan.FromMicroseconds(microseconds)), options);
    }

    [Theory]
    [InlineData("1", null, null, "--sites 1 is not from 2 to 8")]
    [InlineData("two", null, null, "--sites 'two' is not a whole number from 2 to 8")]
    [InlineData(null, "100", null, "--bandwidth '100' is not a rate such as 500kbit, 100mbit or 1gbit")]
    [InlineData(null, "100mbit\n", null, "--bandwidth '100mbit\n' is not a rate such as 500kbit, 100mbit or 1gbit")]
    [InlineData(null, null, "40ms\n", "--rtt '40ms\n' is not a duration such as 0, 250us, 40ms or 1s")]
    [InlineData(null, "100mbps", null, "--bandwidth '100mbps' is not a rate such as 500kbit, 100mbit or 1gbit")]
    [InlineData(null, "20gbit", null, "--bandwidth 20gbit is not from 100kbit to 10gbit")]
    [InlineData(null, null, "40", "--rtt '40' is not a duration such as 0, 250us, 40ms or 1s")]
    [InlineData(null, null, "-5ms", "--rtt '-5ms' is not a duration such as 0, 250us, 40ms or 1s")]
    [InlineData(null, null, "NaNms", "--rtt 'NaNms' is not a duration such as 0, 250us, 40ms or 1s")]
    [InlineData(null, null, "3s", "--rtt 3s is not from 0 to 2s")]
    [InlineData(null, "10gbit", "1s", "--bandwidth 10gbit × --rtt 1s holds 1192 MiB in flight, more than 64 MiB")]
    public void TryParse_BadText_SaysWhatAndWhichOption(string? sites, string? bandwidth, string? rtt, string expected)
    {
        Assert.False(WanLabOptions.TryParse(sites, bandwidth, rtt, out var options, out var error));

        Assert.Null(options);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData(1_000_000_000L, "1gbit")]
    [InlineData(100_000_000L, "100mbit")]
    [InlineData(2_500_000L, "2500kbit")]
    [InlineData(1_234L, "1234bit")]
    public void BitRate_FormatsAsTcWritesIt_AndParsesBack(long bits, string text)
    {
        Assert.Equal(text, new BitRate(bits).ToString());
        Assert.True(BitRate.TryParse(text, out var parsed));
        Assert.Equal(bits, parsed.Value.BitsPerSecond);
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(250L, "250us")]
    [InlineData(40_000L, "40ms")]
    [InlineData(2_000_000L, "2s")]
    [InlineData(1_500L, "1500us")]
    public void Duration_FormatsShortest_AndParsesBack(long microseconds, string text)
    {
        Assert.Equal(text, WanLabOptions.FormatDuration(TimeSpan.FromMicroseconds(microseconds)));
        Assert.True(WanLabOptions.TryParseDuration(text, out var parsed));
        Assert.Equal(TimeSpan.FromMicroseconds(microseconds), parsed);
    }

    [Theory]
    [InlineData("lab", true)]
    [InlineData("a1", true)]
    [InlineData("abcdefghij", true)]
    [InlineData("abcdefghijk", false)]
    [InlineData("1lab", false)]
    [InlineData("Lab", false)]
    [InlineData("la-b", false)]
    [InlineData("lab;rm", false)]
    [InlineData("../x", false)]
    [InlineData("", false)]
    [InlineData("lab\n", false)]
    public void LabName_AllowsOnlyShortLowercaseNames(string text, bool valid)
    {
        Assert.Equal(valid, LabName.TryParse(text, out _, out _));
    }
}
