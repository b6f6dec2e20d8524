using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// The dashboard's poll (<c>GET /api/overview</c>) and the host inventory it names hosts by
/// (<c>GET /api/overview/hosts</c>). A poll at 1,000 hosts is tens of kilobytes: heat-map columns in whole percents,
/// no VM list, history only since the client's last version (docs/experiments/dashboard.md).
/// </summary>
public static class OverviewEndpoints
{
    /// <summary>Newest pending plans, migrations and events in one overview.</summary>
    private const int PlansShown = 10;
    private const int MigrationsShown = 30;
    private const int EventsShown = 30;

    /// <summary>Longest text (event message, plan summary, migration outcome) an overview carries; the whole text is a request away.</summary>
    internal const int TextShown = 400;

    public static IEndpointRouteBuilder MapOverviewEndpoints(this IEndpointRouteBuilder app)
    {
        var overview = app.MapGroup("/api/overview").WithTags("Dashboard");
        overview.MapGet("/", GetOverview).ProducesProblems(StatusCodes.Status400BadRequest);
        overview.MapGet("/hosts", GetInventory).ProducesProblems(StatusCodes.Status400BadRequest);
        return app;
    }

    private static async Task<Results<Ok<OverviewResponse>, ProblemHttpResult>> GetOverview(
        string? since, HttpRequest request, ControllerOptions options, IControllerStore store, LiveState live, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var query = OverviewQuery.Parse(since, request, errors);
        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var view = live.Current;
        var version = view.At.ToUnixTimeMilliseconds();
        var vms = await store.GetVmsAsync(cancellationToken);
        var vmNames = vms.ToDictionary(v => v.Id.Value, v => v.Name);
        var pending = await store.GetPlansAsync(PlanStatus.Pending, 100, cancellationToken);
        var migrations = await store.GetActionsAsync(ActionKind.Migrate, MigrationsShown, cancellationToken);
        var events = await store.GetRecentEventsAsync(EventsShown, EventFilter.All, cancellationToken);
        var oldest = version - (long)OverviewQuery.HistoryWindow.TotalMilliseconds;
        var after = DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(oldest, query.Since ?? oldest));
        var history = await store.GetFleetTotalsAsync(after, view.At, cancellationToken);
        return TypedResults.Ok(new OverviewResponse(
            version,
            view.At,
            Math.Round(view.Clock.TotalSeconds),
            view.Driver,
            options.Agents is null ? DriverKind.Simulated : DriverKind.Real,
            SettingsDto.From(view.Settings),
            InventoryVersion(view.Hosts),
            Totals(view, vms),
            Heat(view),
            pending.Count,
            [.. pending.Take(PlansShown).Select(p => PendingPlanSummary.From(p, vmNames))],
            [.. migrations.Select(a => OverviewAction.From(a, vmNames))],
            [.. events.Select(e => EventResponse.From(e) with { Message = Shorten(e.Message) })],
            [.. history.Select(FleetPointResponse.From)]));
    }

    /// <summary>At most <see cref="TextShown"/> characters, the cut marked with an ellipsis.</summary>
    internal static string Shorten(string text) => text.Length <= TextShown ? text : string.Concat(text.AsSpan(0, TextShown - 1), "…");

    private static Results<Ok<HostInventoryResponse>, ProblemHttpResult> GetInventory(HttpRequest request, LiveState live)
    {
        var errors = new FieldErrors();
        StrictQuery.Check(request, errors);
        if (!errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }

        var hosts = live.Current.Hosts;
        return TypedResults.Ok(new HostInventoryResponse(
            InventoryVersion(hosts),
            [.. hosts.Select(h => h.Id.Value)],
            [.. hosts.Select(h => h.Name)],
            [.. hosts.Select(h => Math.Round(h.Capacity.CpuCores, 3))],
            [.. hosts.Select(h => Math.Round(h.Capacity.MemoryMiB, 1))],
            [.. hosts.Select(h => Math.Round(h.Capacity.NetworkMbps, 1))]));
    }

    /// <summary>A digest of what <see cref="GetInventory"/> answers (ids, names, rounded capacities), as 16 hex digits.</summary>
    private static string InventoryVersion(IReadOnlyList<HostLive> hosts)
    {
        var hash = new XxHash64();
        var line = new StringBuilder();
        foreach (var h in hosts)
        {
            line.Clear().Append(CultureInfo.InvariantCulture, $"{h.Id.Value}\t{h.Name}\t{Math.Round(h.Capacity.CpuCores, 3):R}\t{Math.Round(h.Capacity.MemoryMiB, 1):R}\t{Math.Round(h.Capacity.NetworkMbps, 1):R}\n");
            hash.Append(Encoding.UTF8.GetBytes(line.ToString()));
        }

        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    private static OverviewTotals Totals(LiveView view, IReadOnlyList<StoredVm> vms)
    {
        var hosts = view.Hosts;
        var capacity = hosts.Aggregate(Roost.Core.Model.ResourceVector.Zero, (sum, h) => sum + h.Capacity);
        var usage = hosts.Aggregate(Roost.Core.Model.ResourceVector.Zero, (sum, h) => sum + h.Usage);
        return new OverviewTotals(
            hosts.Count,
            hosts.Count(h => h.VmCount > 0),
            hosts.Count(h => h.Hot),
            hosts.Count(h => h.Maintenance),
            hosts.Count(h => h.Problem is not null),
            vms.Count(v => v.State == VmState.Running),
            vms.Count(v => v.State == VmState.Pending),
            vms.Count(v => v.State is VmState.Stopped or VmState.Stopping),
            vms.Count(v => v.State == VmState.Failed),
            view.Vms.Count(v => v.MigratingTo is not null),
            Math.Round(hosts.Sum(h => h.PowerWatts), 1),
            ResourcesDto.From(capacity),
            ResourcesDto.From(usage));
    }

    private static HostHeatColumns Heat(LiveView view)
    {
        var hosts = view.Hosts;
        static int Percent(double used, double capacity) => capacity > 0 && double.IsFinite(used) ? (int)Math.Clamp(Math.Round(100 * used / capacity), 0, 10_000) : 0;
        var migrating = new SortedSet<int>();
        foreach (var vm in view.Vms)
        {
            if (vm.MigratingTo is { } to)
            {
                migrating.Add(vm.Host.Value);
                migrating.Add(to.Value);
            }
        }

        return new HostHeatColumns(
            [.. hosts.Select(h => h.Id.Value)],
            [.. hosts.Select(h => Percent(h.Usage.CpuCores, h.Capacity.CpuCores))],
            [.. hosts.Select(h => Percent(h.Usage.MemoryMiB, h.Capacity.MemoryMiB))],
            [.. hosts.Select(h => Percent(h.Usage.NetworkMbps, h.Capacity.NetworkMbps))],
            [.. hosts.Select(h => h.VmCount)],
            [.. hosts.Where(h => h.Hot).Select(h => h.Id.Value)],
            [.. hosts.Where(h => h.Maintenance).Select(h => h.Id.Value)],
            [.. hosts.Where(h => h.Problem is not null).Select(h => h.Id.Value)],
            [.. migrating]);
    }
}
