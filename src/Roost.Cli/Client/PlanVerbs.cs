using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Roost.Cli.Client;

/// <summary><c>roost plan list|show|approve|reject</c>: what Sandpiper, maintenance and operators decided.</summary>
internal static class PlanVerbs
{
    /// <summary>How often <c>--wait</c> asks; a migration takes seconds at least.</summary>
    private static readonly TimeSpan _poll = TimeSpan.FromMilliseconds(250);

    private static readonly string[] _final = ["completed", "failed", "rejected", "superseded"];

    public static Command Build(ClientOptions options)
    {
        var plan = new Command("plan", "Plans: list, show, approve or reject (pending plans wait for an operator in manual mode)");
        var status = new Option<string>("--status") { Description = "Only plans in this status" };
        status.AcceptOnlyFromAmong("pending", "approved", "executing", "completed", "failed", "rejected", "superseded");
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first (1..1000, default 50)", HelpName = "N", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "List plans, newest first") { status, limit };
        list.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"api/plans?limit={result.GetValue(limit)}") + (result.GetValue(status) is { } s ? "&status=" + s : "");
            var plans = await session.Client.GetAsync(path, cancellationToken).ConfigureAwait(false);
            await Listing.WriteAsync(session.Output, session.Format, plans, Listing.Rows(plans), _columns).ConfigureAwait(false);
            return 0;
        }));
        plan.Subcommands.Add(list);

        var showId = IdArgument();
        var show = new Command("show", "Show one plan with its actions") { showId };
        show.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            await WriteAsync(session, await session.Client.GetAsync($"api/plans/{result.GetValue(showId)}", cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            return 0;
        }));
        plan.Subcommands.Add(show);
        plan.Subcommands.Add(Decide(options, "approve", "Approve a pending plan: the controller carries it out"));
        plan.Subcommands.Add(Decide(options, "reject", "Reject a pending plan"));
        return plan;
    }

    private static Argument<long> IdArgument() => new("ID") { Description = "The plan's id (see 'roost plan list')" };

    private static readonly Column[] _columns =
    [
        new("ID", p => Listing.Text(p, "id")),
        new("CREATED", p => Listing.Text(p, "createdAt")),
        new("SOURCE", p => Listing.Text(p, "source")),
        new("STATUS", p => Listing.Text(p, "status")),
        new("ACTIONS", p => Listing.Rows(Listing.Member(p, "actions")).Count.ToString(CultureInfo.InvariantCulture)),
        new("SUMMARY", p => Listing.Text(p, "summary")),
    ];

    private static readonly Column[] _actionColumns =
    [
        new("ACTION", a => Listing.Text(a, "kind")),
        new("VM", a => "vm-" + Listing.Text(a, "vm")),
        new("FROM", a => "host-" + Listing.Text(a, "fromHost")),
        new("TO", a => "host-" + Listing.Text(a, "toHost")),
        new("STATUS", a => Listing.Text(a, "status")),
        new("OUTCOME", a => Listing.Text(a, "outcome")),
    ];

    /// <summary>A plan: its row, then (as a table) its actions.</summary>
    public static async Task WriteAsync(ClientSession session, JsonElement plan)
    {
        ArgumentNullException.ThrowIfNull(session);
        await Listing.WriteOneAsync(session.Output, session.Format, plan, _columns).ConfigureAwait(false);
        if (session.Format == OutputFormat.Table && Listing.Rows(Listing.Member(plan, "actions")) is { Count: > 0 } actions)
        {
            await session.Output.WriteLineAsync().ConfigureAwait(false);
            await session.Output.WriteAsync(Listing.Table(actions, _actionColumns)).ConfigureAwait(false);
        }
    }

    /// <summary>Polls the plan until it is final; 0 if it completed, 1 if it failed, was dropped or took too long.</summary>
    public static async Task<int> WaitAsync(ClientSession session, long id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        JsonElement plan;
        try
        {
            while (true)
            {
                plan = await session.Client.GetAsync($"api/plans/{id}", deadline.Token).ConfigureAwait(false);
                if (_final.Contains(Listing.Text(plan, "status"), StringComparer.Ordinal))
                {
                    break;
                }

                await Task.Delay(_poll, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"roost: plan {id} did not finish within {timeout.TotalSeconds:0} s (it goes on; see 'roost plan show {id}')"), 1);
        }

        await WriteAsync(session, plan).ConfigureAwait(false);
        return Listing.Text(plan, "status") == "completed" ? 0 : 1;
    }

    private static Command Decide(ClientOptions options, string decision, string description)
    {
        var id = IdArgument();
        var command = new Command(decision, description) { id };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            await WriteAsync(session, await session.Client.SendAsync(HttpMethod.Post, $"api/plans/{result.GetValue(id)}/{decision}", null, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
