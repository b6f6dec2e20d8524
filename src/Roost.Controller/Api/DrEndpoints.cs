using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Recovery;
using Roost.Controller.Store;
using Roost.Core.Recovery;

namespace Roost.Controller.Api;

/// <summary>
/// Disaster recovery seen from the controller (issue 17): <c>GET /api/dr</c> lists the cloud sites given to
/// <c>roost serve --dr-site</c> with each one's last status (per protected VM: mode, state, applied writes, lag, RPO,
/// last checkpoint, last contact, the last failover and failback), whether the last read worked, when it was read and
/// the last problem. <c>POST /api/dr/sites/{site}/vms/{vm}/failover</c> and <c>.../failback</c> (body
/// <c>{"to":"ADDRESS:PORT"}</c>) forward an operator's action to the site: its 202 comes back as 202 with the VM's
/// status, its 400, 404 and 409 as the controller's own problems (the site's detail bounded and escaped), a site that
/// cannot be asked as 502. Every forwarded action is an event about <c>dr/SITE/vm-N</c> with its outcome.
/// </summary>
public static class DrEndpoints
{
    private const string Kind = "dr";

    public static IEndpointRouteBuilder MapDrEndpoints(this IEndpointRouteBuilder app)
    {
        var dr = app.MapGroup("/api/dr").WithTags("Disaster recovery");
        dr.MapGet("/", ListSites);
        dr.MapPost("/sites/{site}/vms/{vm}/failover", Failover)
            .Produces<DrVmStatus>(StatusCodes.Status202Accepted)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status502BadGateway);
        dr.MapPost("/sites/{site}/vms/{vm}/failback", Failback).Accepts<FailbackRequest>("application/json")
            .Produces<DrVmStatus>(StatusCodes.Status202Accepted)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status502BadGateway);
        return app;
    }

    private static Ok<DrSiteView[]> ListSites(DrSiteMonitor monitor) => TypedResults.Ok(monitor.Views.ToArray());

    private static async Task<Results<Accepted<DrVmStatus>, ProblemHttpResult>> Failover(
        string site, string vm, DrSiteMonitor monitor, IControllerStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Target(site, vm, monitor) is { } problem)
        {
            return problem;
        }

        var number = int.Parse(vm, NumberStyles.None, CultureInfo.InvariantCulture);
        var outcome = await monitor.FailoverAsync(site, number, cancellationToken);
        return await AnswerAsync(outcome, site, number, "failover", store, time, cancellationToken);
    }

    private static async Task<Results<Accepted<DrVmStatus>, ProblemHttpResult>> Failback(
        string site, string vm, HttpRequest request, ControllerOptions options, DrSiteMonitor monitor, IControllerStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (Target(site, vm, monitor) is { } problem)
        {
            return problem;
        }

        var input = await RequestBody.ReadAsync<FailbackRequest, System.Net.IPEndPoint>(request, options.MaxRequestBodyBytes, cancellationToken);
        if (!input.TryGet(out var to, out var invalid))
        {
            return invalid;
        }

        var number = int.Parse(vm, NumberStyles.None, CultureInfo.InvariantCulture);
        var outcome = await monitor.FailbackAsync(site, number, to, cancellationToken);
        return await AnswerAsync(outcome, site, number, $"failback to {to}", store, time, cancellationToken);
    }

    /// <summary>404 for a site that is not one of <c>--dr-site</c>, 400 for a VM that is not a whole number.</summary>
    private static ProblemHttpResult? Target(string site, string vm, DrSiteMonitor monitor)
    {
        if (monitor.Find(site) is null)
        {
            var known = monitor.Views.Count == 0 ? "none is configured (roost serve --dr-site NAME=ADDRESS:PORT)" : "the sites are " + string.Join(", ", monitor.Views.Select(v => v.Name));
            return Problems.NotFound($"no DR site is named '{FieldErrors.Printable(site)}': {known}");
        }

        var errors = new FieldErrors();
        if (vm.Length is 0 or > 9 || !vm.All(char.IsAsciiDigit))
        {
            errors.Add("vm", $"'{FieldErrors.Printable(vm)}' is not a VM number (0 to 999999999, as the site's --vm gives it)");
        }

        return errors.IsEmpty ? null : Problems.Invalid(errors);
    }

    private static async Task<Results<Accepted<DrVmStatus>, ProblemHttpResult>> AnswerAsync(
        DrActionOutcome outcome, string site, int vm, string action, IControllerStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var entity = NewEvent.DrVm(site, vm);
        var what = string.Create(CultureInfo.InvariantCulture, $"{action} of vm-{vm} at DR site {site} (operator)");
        switch (outcome)
        {
            case DrActionOutcome.Started started:
                await store.AddEventAsync(time.GetUtcNow(), NewEvent.Info(Kind, entity, $"{what}: started, {started.Vm.State}"), cancellationToken);
                return TypedResults.Accepted("/api/dr", started.Vm);
            case DrActionOutcome.Refused refused:
                await store.AddEventAsync(time.GetUtcNow(), NewEvent.Warning(Kind, entity, $"{what}: refused: {refused.Detail}"), cancellationToken);
                return Problems.Status(refused.Status, refused.Detail);
            case DrActionOutcome.Failed failed:
                await store.AddEventAsync(time.GetUtcNow(), NewEvent.Error(Kind, entity, $"{what}: failed: {failed.Detail}"), cancellationToken);
                return Problems.Status(StatusCodes.Status502BadGateway, failed.Detail);
            default:
                throw new InvalidOperationException($"unknown outcome {outcome}");
        }
    }
}
