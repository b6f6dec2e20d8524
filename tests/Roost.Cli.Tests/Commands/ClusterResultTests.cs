using Roost.Bft.Net;

namespace Roost.Cli.Tests.Commands;

/// <summary>The <c>result</c> line a cluster prints and <c>roost bft experiment real</c> reads back from each cluster.</summary>
public sealed class ClusterResultTests
{
    [Fact]
    public void Format_TryParse_RoundTrip()
    {
        var result = new ClusterResult("zz", 120, 10.0, 5.25, 9.5, 1, 1, "cgroup v1 freezer", 541.8, 0, 2);

        var parsed = ClusterResult.TryParse(result.Format(), out var read);

        Assert.True(parsed);
        Assert.Equal(result, read);
    }

    [Theory]
    [InlineData("ready 9 nodes")]
    [InlineData("result mode=zz requests=12")]
    [InlineData("result mode=zz requests=x window-s=1 median-ms=1 p90-ms=1 freezes=0 thaws=0 freezer=none recovery-ms=none errors=0 view=0")]
    public void TryParse_OtherLine_False(string line)
    {
        Assert.False(ClusterResult.TryParse(line, out _));
    }

    [Fact]
    public void TryParse_RepeatedField_LaterWins()
    {
        var parsed = ClusterResult.TryParse(
            "result mode=zz requests=1 requests=7 window-s=1 median-ms=1 p90-ms=1 freezes=0 thaws=0 freezer=none recovery-ms=none errors=0 view=0", out var read);

        Assert.True(parsed);
        Assert.Equal(7, read?.Requests);
    }
}
