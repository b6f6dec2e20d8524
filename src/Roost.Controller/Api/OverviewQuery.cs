using Microsoft.AspNetCore.Http;

namespace Roost.Controller.Api;

/// <summary>
/// <c>GET /api/overview?since=V</c>: <c>since</c>, optional, the <c>version</c> of an earlier answer (Unix
/// milliseconds): the history then holds only newer points. History never reaches back more than
/// <see cref="HistoryWindow"/>, so an answer stays bounded however old <c>since</c> is. Any other parameter is a 400.
/// </summary>
public sealed record OverviewQuery(long? Since)
{
    public static TimeSpan HistoryWindow { get; } = TimeSpan.FromHours(1);

    public static OverviewQuery Parse(string? since, HttpRequest request, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        StrictQuery.Check(request, errors, "since");
        return new OverviewQuery(since is null ? null : errors.WholeNumber("since", since, 0, long.MaxValue, 0));
    }
}
