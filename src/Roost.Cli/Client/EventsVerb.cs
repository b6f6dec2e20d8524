using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Roost.Cli.Client;

/// <summary>
/// <c>roost events [--limit N] [--severity S] [--entity E] [--follow]</c>: what the controller did, oldest first;
/// <c>--follow</c> keeps printing new ones.
/// </summary>
internal static class EventsVerb
{
    private static readonly TimeSpan _poll = TimeSpan.FromSeconds(1);

    private static readonly Column[] _columns =
    [
        new("ID", e => Listing.Text(e, "id")),
        new("AT", e => Listing.Text(e, "at")),
        new("SEVERITY", e => Listing.Text(e, "severity")),
        new("KIND", e => Listing.Text(e, "kind")),
        new("ENTITY", e => Listing.Text(e, "entity")),
        new("MESSAGE", e => Listing.Text(e, "message")),
    ];

    public static Command Build(ClientOptions options)
    {
        var limit = new Option<int>("--limit") { Description = "How many of the latest events (1..1000, default 20)", HelpName = "N", DefaultValueFactory = _ => 20 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Then print new events as they happen, until Ctrl-C (json: one object a line)" };
        var severity = new Option<string>("--severity") { Description = "Only events of this severity or worse: info, warning, error" };
        severity.AcceptOnlyFromAmong("info", "warning", "error");
        var entity = new Option<string>("--entity") { Description = "Only events about this entity: host/NAME, vm/NAME, plan/ID, vpc/NAME, site/N or controller", HelpName = "ENTITY" };
        var command = new Command("events", "Show the controller's latest events, oldest first") { limit, severity, entity, follow };
        command.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var filter = (result.GetValue(severity) is { } s ? "&severity=" + s : "") + (result.GetValue(entity) is { } e ? "&entity=" + Uri.EscapeDataString(e) : "");
            var latest = await session.Client.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/events?limit={result.GetValue(limit)}{filter}"), cancellationToken).ConfigureAwait(false);
            var rows = Listing.Rows(latest).Reverse().ToList();
            if (!result.GetValue(follow))
            {
                await Listing.WriteAsync(session.Output, session.Format, JsonSerializer.SerializeToElement(rows), rows, _columns).ConfigureAwait(false);
                return 0;
            }

            return await FollowAsync(session, rows, filter, cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    /// <summary>Prints <paramref name="first"/>, then every later event, a line each, until cancelled (exit 0).</summary>
    private static async Task<int> FollowAsync(ClientSession session, IReadOnlyList<JsonElement> first, string filter, CancellationToken cancellationToken)
    {
        if (session.Format == OutputFormat.Csv)
        {
            await Listing.WriteAsync(session.Output, OutputFormat.Csv, default, [], _columns).ConfigureAwait(false);
        }

        var last = 0L;
        var batch = first;
        try
        {
            while (true)
            {
                foreach (var e in batch)
                {
                    await session.Output.WriteLineAsync(Line(session.Format, e)).ConfigureAwait(false);
                    last = Math.Max(last, Listing.Member(e, "id").GetInt64());
                }

                await session.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(_poll, cancellationToken).ConfigureAwait(false);
                batch = Listing.Rows(await session.Client.GetAsync(string.Create(CultureInfo.InvariantCulture, $"api/events?after={last}&limit=1000{filter}"), cancellationToken).ConfigureAwait(false));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
    }

    private static string Line(OutputFormat format, JsonElement e) => format switch
    {
        OutputFormat.Json => JsonSerializer.Serialize(e),
        OutputFormat.Csv => Listing.CsvLine(_columns.Select(c => c.Value(e))),
        _ => Simulation.Input.PrintableText.Escape($"{Listing.Text(e, "id"),6}  {Listing.Text(e, "at")}  {Listing.Text(e, "severity"),-7}  {Listing.Text(e, "kind"),-12}  {Listing.Text(e, "entity"),-20}  {Listing.Text(e, "message")}"),
    };
}
