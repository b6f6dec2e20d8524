using Roost.Core.Recovery;

namespace Roost.Core.Tests.Recovery;

/// <summary>The HotCloud 2010 DR cost model pinned on a case computed by hand (numbers chosen to be easy to follow).</summary>
public sealed class DrCostModelTests
{
    private static readonly DrPrices _prices = DrPrices.List2010 with
    {
        Name = "test",
        CloudServerPerHourUsd = 1,
        CloudReplicatorPerHourUsd = 0.5,
        CloudBlockStoragePerGbMonthUsd = 0.1,
        CloudObjectStoragePerGbMonthUsd = 0.05,
        CloudTransferInPerGbUsd = 0.1,
        CloudTransferOutPerGbUsd = 0.2,
        SiteServerPurchaseUsd = 3_000,
        SiteServerLifetimeYears = 3,
        SiteSpacePowerPerServerMonthUsd = 100,
        SiteStoragePerGbYearUsd = 2,
        SiteLinkPerMonthUsd = 50,
    };

    // 2 servers, 100 GB, 1 GB changed and 10 GB to clients a day; with 10 days kept, 110 GB are stored.
    private static readonly DrApplication _app = new("app", "test", Servers: 2, StorageGb: 100, ChangeGbPerDay: 1, ClientOutGbPerDay: 10);

    [Fact]
    public void Year_Continuous_MatchesHandComputedBill()
    {
        var cost = DrCostModel.Year(_app, BackupMechanism.Continuous, _prices, failoverDays: 5, retentionDays: 10);

        Assert.Equal(0.5 * 360 * 24, cost.CloudStandbyComputeUsd, 9);        // 4,320: the replicator, 360 days
        Assert.Equal(2 * 1 * 5 * 24, cost.CloudFailoverComputeUsd, 9);       // 240: both servers, 5 days
        Assert.Equal(110 * 0.1 * 12, cost.CloudStorageUsd, 9);               // 132: block storage all year
        Assert.Equal(1 * 360 * 0.1 + 10 * 5 * 0.2, cost.CloudTransferUsd, 9); // 46: changes in, answers out
        Assert.Equal(4_738, cost.CloudTotalUsd, 9);
        Assert.Equal(2 * (1_000 + 1_200), cost.SiteServersUsd, 9);
        Assert.Equal(220, cost.SiteStorageUsd, 9);
        Assert.Equal(600, cost.SiteLinkUsd, 9);
        Assert.Equal(100.0 * (5_220 - 4_738) / 5_220, cost.SavingPercent, 9);

        // At 0 days the cloud costs 4,380 + 132 + 36.5 = 4,548.5; at 365, 17,520 + 132 + 730 = 18,382: 37.9 a day more.
        Assert.NotNull(cost.BreakEvenFailoverDays);
        Assert.Equal((5_220 - 4_548.5) / 37.9, cost.BreakEvenFailoverDays.Value, 6);
    }

    [Fact]
    public void Year_Periodic_StoresInObjectStorageAndRestoresForTheFailover()
    {
        var cost = DrCostModel.Year(_app, BackupMechanism.Periodic, _prices, failoverDays: 5, retentionDays: 10);

        Assert.Equal(0, cost.CloudStandbyComputeUsd);
        Assert.Equal(240, cost.CloudFailoverComputeUsd, 9);
        Assert.Equal(110 * 0.05 * 12 + 100 * 0.1 * 12 * 5 / 365.0, cost.CloudStorageUsd, 9);
        Assert.Equal(46, cost.CloudTransferUsd, 9);
    }

    [Fact]
    public void Year_HotStandbyDearerThanTheSiteEvenWithoutADisaster_BreakEvenIsZero()
    {
        var cost = DrCostModel.Year(_app, BackupMechanism.HotStandby, _prices, failoverDays: 5, retentionDays: 10);

        Assert.Equal(2 * 1 * 360 * 24, cost.CloudStandbyComputeUsd, 9);
        Assert.Equal(17_698, cost.CloudTotalUsd, 9);
        Assert.Equal(0, cost.BreakEvenFailoverDays);
    }

    [Fact]
    public void Year_CloudCheaperForAWholeYearFailedOver_HasNoBreakEven()
    {
        var cheap = _prices with { CloudServerPerHourUsd = 0.1 };

        var cost = DrCostModel.Year(_app, BackupMechanism.Periodic, cheap, failoverDays: 365, retentionDays: 10);

        Assert.Null(cost.BreakEvenFailoverDays);
        Assert.True(cost.CloudTotalUsd < cost.SiteTotalUsd);
    }

    [Fact]
    public void Year_SiteCostDoesNotDependOnFailoverDays_CloudCostRises()
    {
        var none = DrCostModel.Year(_app, BackupMechanism.Continuous, _prices, failoverDays: 0, retentionDays: 10);
        var month = DrCostModel.Year(_app, BackupMechanism.Continuous, _prices, failoverDays: 30, retentionDays: 10);

        Assert.Equal(none.SiteTotalUsd, month.SiteTotalUsd);
        Assert.True(month.CloudTotalUsd > none.CloudTotalUsd);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(-1)]
    [InlineData(366)]
    public void Year_FailoverDaysOutOfRange_Throws(double days) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DrCostModel.Year(_app, BackupMechanism.Continuous, _prices, days, 7));

    [Fact]
    public void Presets_AreValid_AndNameEveryPrice()
    {
        Assert.All(DrPrices.Presets, p => Assert.Null(p.Validate()));
        Assert.All(DrApplication.Presets, a => Assert.Null(a.Validate()));
        Assert.Equal(DrPrices.Keys.Count, DrPrices.Keys.Select(k => k.Key).Distinct().Count());
    }

    [Fact]
    public void Validate_NegativeOrInfinitePrice_NamesIt()
    {
        Assert.Equal("price cloud-in-gb -1 is not a finite number of at least 0", (_prices with { CloudTransferInPerGbUsd = -1 }).Validate());
        Assert.Contains("site-server-years", (_prices with { SiteServerLifetimeYears = 0 }).Validate(), StringComparison.Ordinal);
        Assert.Contains("site-link-month", (_prices with { SiteLinkPerMonthUsd = double.PositiveInfinity }).Validate(), StringComparison.Ordinal);
    }
}
