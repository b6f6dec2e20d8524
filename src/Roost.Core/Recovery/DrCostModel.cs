namespace Roost.Core.Recovery;

/// <summary>
/// The DR pricing analysis of Wood et al., "Disaster Recovery as a Cloud Service: Economic Benefits &amp; Deployment
/// Challenges" (HotCloud 2010, §3): a year splits into normal operation, when the DR site only has to keep state
/// current, and failover, when it runs the whole application. A dedicated site pays for the whole application's
/// servers all year; the cloud pays for servers only for the hours they run. Pure arithmetic over the inputs.
/// </summary>
public static class DrCostModel
{
    public const double DaysPerYear = 365;

    public const double HoursPerDay = 24;

    /// <summary>
    /// The year's costs. <paramref name="failoverDays"/> (0 to 365) are spent running at the DR site;
    /// <paramref name="retentionDays"/> of changes are kept as point-in-time history (backups or journal) beside the
    /// full copy.
    /// </summary>
    public static DrCost Year(DrApplication application, BackupMechanism mechanism, DrPrices prices, double failoverDays, double retentionDays)
    {
        ArgumentNullException.ThrowIfNull(application);
        ArgumentNullException.ThrowIfNull(prices);
        if (!double.IsFinite(failoverDays) || failoverDays < 0 || failoverDays > DaysPerYear)
        {
            throw new ArgumentOutOfRangeException(nameof(failoverDays), failoverDays, "failover days must be from 0 to 365");
        }

        if (!double.IsFinite(retentionDays) || retentionDays < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retentionDays), retentionDays, "retention days must be a finite number of at least 0");
        }

        var cloud = Cloud(application, mechanism, prices, failoverDays, retentionDays);
        var keptGb = application.StorageGb + application.ChangeGbPerDay * retentionDays;
        var siteServers = application.Servers * (prices.SiteServerPurchaseUsd / prices.SiteServerLifetimeYears + prices.SiteSpacePowerPerServerMonthUsd * 12);
        var siteStorage = keptGb * prices.SiteStoragePerGbYearUsd;
        var siteLink = prices.SiteLinkPerMonthUsd * 12;

        // The cloud's year is linear in the failover days; the site's does not depend on them. Break-even where they meet.
        var atNone = Cloud(application, mechanism, prices, 0, retentionDays).Total;
        var atAll = Cloud(application, mechanism, prices, DaysPerYear, retentionDays).Total;
        var site = siteServers + siteStorage + siteLink;
        double? breakEven = atNone >= site ? 0
            : atAll <= site ? null
            : (site - atNone) / ((atAll - atNone) / DaysPerYear);

        return new DrCost(application.Name, mechanism, failoverDays, cloud.Standby, cloud.Failover, cloud.Storage, cloud.Transfer, siteServers, siteStorage, siteLink, breakEven);
    }

    private static (double Standby, double Failover, double Storage, double Transfer, double Total) Cloud(
        DrApplication application, BackupMechanism mechanism, DrPrices prices, double failoverDays, double retentionDays)
    {
        var failoverHours = failoverDays * HoursPerDay;
        var normalHours = (DaysPerYear - failoverDays) * HoursPerDay;
        var keptGb = application.StorageGb + application.ChangeGbPerDay * retentionDays;
        var standby = mechanism switch
        {
            BackupMechanism.Periodic => 0,
            BackupMechanism.Continuous => prices.CloudReplicatorPerHourUsd * normalHours,
            BackupMechanism.HotStandby => application.Servers * prices.CloudServerPerHourUsd * normalHours,
            _ => throw new ArgumentOutOfRangeException(nameof(mechanism), mechanism, "unknown backup mechanism"),
        };
        var failover = application.Servers * prices.CloudServerPerHourUsd * failoverHours;

        // Periodic backups live in object storage; after a failover they are restored to block storage for the servers.
        var storage = mechanism == BackupMechanism.Periodic
            ? keptGb * prices.CloudObjectStoragePerGbMonthUsd * 12 + application.StorageGb * prices.CloudBlockStoragePerGbMonthUsd * 12 * failoverDays / DaysPerYear
            : keptGb * prices.CloudBlockStoragePerGbMonthUsd * 12;

        // Changes flow in while the primary runs; clients are served out of the cloud while it is failed over.
        var transfer = application.ChangeGbPerDay * (DaysPerYear - failoverDays) * prices.CloudTransferInPerGbUsd
            + application.ClientOutGbPerDay * failoverDays * prices.CloudTransferOutPerGbUsd;
        return (standby, failover, storage, transfer, standby + failover + storage + transfer);
    }
}
