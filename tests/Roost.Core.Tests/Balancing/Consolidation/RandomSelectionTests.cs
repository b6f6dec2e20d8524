using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class RandomSelectionTests
{
    private static readonly SelectableVm[] _vms =
    [
        new(1, 512, 0.1, Array.Empty<double>()),
        new(2, 1024, 0.2, Array.Empty<double>()),
        new(3, 2048, 0.3, Array.Empty<double>()),
        new(4, 512, 0.4, Array.Empty<double>()),
        new(5, 256, 0.5, Array.Empty<double>()),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(2012)]
    public void ChooseVm_SameSeed_SameSequence(int seed)
    {
        var first = new RandomSelection(new Random(seed));
        var second = new RandomSelection(new Random(seed));

        var a = Enumerable.Range(0, 50).Select(_ => first.ChooseVm(_vms)).ToArray();
        var b = Enumerable.Range(0, 50).Select(_ => second.ChooseVm(_vms)).ToArray();

        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(2012)]
    public void ChooseVm_ManyDraws_StayInRangeAndReachEveryVm(int seed)
    {
        var selection = new RandomSelection(new Random(seed));

        var picks = Enumerable.Range(0, 500).Select(_ => selection.ChooseVm(_vms)).ToArray();

        Assert.All(picks, p => Assert.True(p >= 0 && p < _vms.Length, $"seed {seed}: picked {p} of {_vms.Length}"));
        Assert.True(picks.Distinct().Count() == _vms.Length, $"seed {seed}: 500 draws did not reach all {_vms.Length} VMs");
    }

    [Fact]
    public void ChooseVm_SingleVm_PicksIt()
    {
        var selection = new RandomSelection(new Random(7));

        var chosen = selection.ChooseVm(_vms.AsSpan(0, 1));

        Assert.Equal(0, chosen);
    }

    [Fact]
    public void ChooseVm_Empty_ReturnsMinusOne()
    {
        var selection = new RandomSelection(new Random(7));

        var chosen = selection.ChooseVm([]);

        Assert.Equal(-1, chosen);
    }

    [Fact]
    public void Constructor_NullRandom_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new RandomSelection(null!));
    }

    [Fact]
    public void Name_IsRs()
    {
        Assert.Equal("rs", new RandomSelection(new Random(1)).Name);
    }
}
