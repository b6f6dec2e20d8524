namespace Roost.Core.Recovery;

/// <summary>
/// One year of DR for one application by one mechanism, with <see cref="FailoverDays"/> of it spent running at the DR
/// site after a disaster: the cloud's bill by item against a dedicated site's. USD throughout.
/// </summary>
public sealed record DrCost(
    string Application,
    BackupMechanism Mechanism,
    double FailoverDays,
    double CloudStandbyComputeUsd,
    double CloudFailoverComputeUsd,
    double CloudStorageUsd,
    double CloudTransferUsd,
    double SiteServersUsd,
    double SiteStorageUsd,
    double SiteLinkUsd,
    double? BreakEvenFailoverDays)
{
    public double CloudTotalUsd => CloudStandbyComputeUsd + CloudFailoverComputeUsd + CloudStorageUsd + CloudTransferUsd;

    public double SiteTotalUsd => SiteServersUsd + SiteStorageUsd + SiteLinkUsd;

    /// <summary>What the cloud saves against the dedicated site, in percent of the site's cost (negative: the cloud costs more).</summary>
    public double SavingPercent => SiteTotalUsd > 0 ? 100 * (SiteTotalUsd - CloudTotalUsd) / SiteTotalUsd : 0;
}
