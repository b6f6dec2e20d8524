namespace Roost.Controller.Api;

/// <summary>A site's last report as <c>GET /api/network/sites</c> shows it.</summary>
public sealed record SiteReportResponse(int Site, int UplinkMbps, string Version, int Changes, string? Error, DateTimeOffset At)
{
    public static SiteReportResponse From(SiteReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new SiteReportResponse(report.Site, report.Report.UplinkMbps, report.Report.Version, report.Report.Changes, report.Report.Error, report.At);
    }
}
