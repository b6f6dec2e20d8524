using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

public sealed class MaximumCorrelationSelectionTests
{
    // Histories are 0.5 + 0.1·(contrast) with the orthogonal, zero-mean contrasts
    // a = (1, 1, −1, −1), b = (1, −1, 1, −1), c = (1, −1, −1, 1), each of squared length 4.
    // A = a, B = b, C = a + b + c = (3, −1, −1, −1). R² of each on the other two (with intercept) is the squared
    // length of its centred projection over its own squared length:
    //   C on {a, b}:            projection a + b,         R² = 8/12 = 2/3;
    //   A on {b, a + b + c}:    projection ½(a + c),      R² = (¼·8)/4 = 1/2;
    //   B on {a, a + b + c}:    projection ½(b + c),      R² = 1/2.
    // So MC picks C. RAM is chosen so that MMT would pick A instead.
    private static readonly double[] _a = [0.6, 0.6, 0.4, 0.4];
    private static readonly double[] _b = [0.6, 0.4, 0.6, 0.4];
    private static readonly double[] _c = [0.8, 0.4, 0.4, 0.4];

    [Fact]
    public void ChooseVm_ConstructedCase_PicksTheVmBestExplainedByTheOthers()
    {
        SelectableVm[] vms = [Vm(1, 512, _a), Vm(2, 1024, _b), Vm(3, 2048, _c)];
        var fallback = new FixedChoiceSelection(0);

        var chosen = new MaximumCorrelationSelection(fallback).ChooseVm(vms);

        Assert.Equal(2, chosen);
        Assert.Equal(0, fallback.Calls);
    }

    [Fact]
    public void ChooseVm_BestVmInTheMiddle_PicksItsPosition()
    {
        SelectableVm[] vms = [Vm(1, 512, _a), Vm(3, 2048, _c), Vm(2, 1024, _b)];

        var chosen = new MaximumCorrelationSelection(new MinimumMigrationTimeSelection()).ChooseVm(vms);

        Assert.Equal(1, chosen);
    }

    [Fact]
    public void ChooseVm_LongerHistories_AreCutToTheShortest()
    {
        // C's extra, older fifth value is dropped: all histories are cut to 4 values and the hand case holds.
        double[] longerC = [.. _c, 0.9];
        SelectableVm[] vms = [Vm(1, 512, _a), Vm(2, 1024, _b), Vm(3, 2048, longerC)];

        var chosen = new MaximumCorrelationSelection(new MinimumMigrationTimeSelection()).ChooseVm(vms);

        Assert.Equal(2, chosen);
    }

    [Fact]
    public void ChooseVm_HistoriesTooShortForTheRegression_FallsBackToMmt()
    {
        // Three values each: two regressors plus the intercept leave no degree of freedom. MMT: least RAM → 512 at 1.
        SelectableVm[] vms = [Vm(1, 2048, _a[..3]), Vm(2, 512, _b[..3]), Vm(3, 1024, _c[..3])];

        var chosen = new MaximumCorrelationSelection(new MinimumMigrationTimeSelection()).ChooseVm(vms);

        Assert.Equal(1, chosen);
    }

    [Fact]
    public void ChooseVm_OneVmWithoutHistory_AsksTheFallback()
    {
        SelectableVm[] vms = [Vm(1, 2048, _a), Vm(2, 1024, []), Vm(3, 512, _c)];
        var fallback = new FixedChoiceSelection(2);

        var chosen = new MaximumCorrelationSelection(fallback).ChooseVm(vms);

        Assert.Equal(2, chosen);
        Assert.Equal(1, fallback.Calls);
    }

    [Fact]
    public void ChooseVm_SingleVm_PicksIt()
    {
        SelectableVm[] vms = [Vm(1, 2048, _c)];

        var chosen = new MaximumCorrelationSelection(new MinimumMigrationTimeSelection()).ChooseVm(vms);

        Assert.Equal(0, chosen);
    }

    [Fact]
    public void ChooseVm_Empty_ReturnsMinusOne()
    {
        var fallback = new FixedChoiceSelection(3);

        var chosen = new MaximumCorrelationSelection(fallback).ChooseVm([]);

        Assert.Equal(-1, chosen);
        Assert.Equal(0, fallback.Calls);
    }

    [Fact]
    public void Name_IsMc()
    {
        Assert.Equal("mc", new MaximumCorrelationSelection(new MinimumMigrationTimeSelection()).Name);
    }

    private static SelectableVm Vm(int id, int ramMiB, double[] history) => new(id, ramMiB, 0.5, history);
}
