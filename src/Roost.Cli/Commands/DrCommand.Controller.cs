using System.Globalization;
using System.Text.Json;
using Roost.Cli.Client;
using Roost.Controller.Recovery;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost dr sites</c> and <c>roost dr failover|failback --site S --vm N</c>: the cloud sites a running controller
/// watches (<c>roost serve --dr-site</c>), through its API (<c>GET /api/dr</c>, <c>POST /api/dr/sites/S/vms/N/...</c>),
/// with the client verbs' <c>--controller</c>, <c>--token-file</c>, <c>--config</c>, <c>--context</c> and
/// <c>--output table|json|csv</c>.
/// </summary>
internal sealed partial class DrCommand
{
    private static readonly string[] _clientOptions = ["controller", "token-file", "config", "context", "output"];

    private static Column[] VmColumns { get; } =
    [
        new("SITE", r => Listing.Text(r, "site")),
        new("VM", r => Listing.Text(r, "vm")),
        new("MODE", r => Listing.Text(r, "mode")),
        new("STATE", r => Listing.Text(r, "state")),
        new("APPLIED", r => Listing.Text(r, "applied")),
        new("LAG", r => Listing.Text(r, "lag")),
        new("RPO", r => Seconds(Listing.Member(r, "rpoSeconds"))),
        new("LAST_CHECKPOINT", r => Listing.Member(r, "lastCheckpointId") is { ValueKind: JsonValueKind.Number } id
            ? $"#{id.GetRawText()} {Ago(r, "lastCheckpointAt")}".TrimEnd()
            : ""),
        new("LAST_CONTACT", r => Ago(r, "lastContact")),
        new("FAILOVER_RTO", r => Seconds(Listing.Member(Listing.Member(r, "failover"), "rtoSeconds"))),
        new("FAILBACK_MOVED", r => Listing.Member(r, "failback") is { ValueKind: JsonValueKind.Object } back && Listing.Member(back, "movedBytes") is { ValueKind: JsonValueKind.Number } moved
            ? $"{Mib(moved)} of {Mib(Listing.Member(back, "fullBytes"))} MiB"
            : ""),
    ];

    /// <summary>The controller the client options and the environment name, as the client verbs find it.</summary>
    private static ControllerClient Client(ParsedOptions options)
    {
        var format = options.Get("output");
        if (format is not (null or "table" or "json" or "csv"))
        {
            throw new UsageException($"roost dr: --output '{PrintableText.Escape(format)}' is not table, json or csv");
        }

        var target = ControllerTarget.Resolve(options.Get("controller"), options.Get("token-file"), options.Get("config"), options.Get("context"), Environment.GetEnvironmentVariable);
        return new ControllerClient(target, ClientOptions.RequestTimeout);
    }

    private static OutputFormat Format(ParsedOptions options) => options.Get("output") switch
    {
        "json" => OutputFormat.Json,
        "csv" => OutputFormat.Csv,
        _ => OutputFormat.Table,
    };

    /// <summary><c>roost dr sites</c>: one row per site and VM; a site's problem (unreachable, refused token) on stderr.</summary>
    private static async Task<int> SitesAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        using var client = Client(options);
        var sites = await client.GetAsync("api/dr", cancellationToken).ConfigureAwait(false);
        var rows = new List<JsonElement>();
        foreach (var site in Listing.Rows(sites))
        {
            var name = Listing.Text(site, "name");
            var status = Listing.Member(site, "status");
            var vms = Listing.Rows(Listing.Member(status, "vms"));
            if (vms.Count == 0)
            {
                rows.Add(JsonSerializer.SerializeToElement(new { site = name, state = status.ValueKind == JsonValueKind.Object ? "(no VMs)" : "(no status)" }));
            }

            foreach (var vm in vms)
            {
                // Ages are taken against the site's own clock ('at' of its status), so clock skew between hosts does not show.
                var row = JsonSerializer.SerializeToElement(vm).EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
                row["site"] = JsonSerializer.SerializeToElement(name);
                row["at"] = Listing.Member(status, "at");
                rows.Add(JsonSerializer.SerializeToElement(row));
            }
        }

        await Listing.WriteAsync(Console.Out, Format(options), sites, rows, VmColumns).ConfigureAwait(false);
        foreach (var site in Listing.Rows(sites))
        {
            if (Listing.Text(site, "problem") is { Length: > 0 } problem)
            {
                await Console.Error.WriteLineAsync(PrintableText.Escape(problem)).ConfigureAwait(false);
            }
        }

        return 0;
    }

    /// <summary><c>roost dr failover|failback --site S --vm N [--to A:P]</c> through the controller.</summary>
    private static async Task<int> ActAsync(string verb, ParsedOptions options, CancellationToken cancellationToken)
    {
        var allowed = verb == "failback" ? [.. _clientOptions, "site", "vm", "to"] : _clientOptions.Append("site").Append("vm").ToArray();
        options.RejectOptionsOutside($"{verb} --site", allowed);
        var site = options.Get("site") ?? "";
        if (!DrSiteEndpoint.IsName(site))
        {
            throw new UsageException($"roost dr {verb}: --site '{PrintableText.Escape(site)}' is not a site name ({DrSiteEndpoint.NameRule})");
        }

        var vm = options.Get("vm") is { } text && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new UsageException($"roost dr {verb} --site: --vm '{PrintableText.Escape(options.Get("vm") ?? "")}' is not a VM number (the site's --vm id)");
        object? body = null;
        if (verb == "failback")
        {
            var to = options.Get("to") ?? throw new UsageException("roost dr failback --site: --to ADDRESS:PORT is required (the recovered primary's 'roost dr failback --listen')");
            body = new { to };
        }

        using var client = Client(options);
        var path = string.Create(CultureInfo.InvariantCulture, $"api/dr/sites/{site}/vms/{vm}/{verb}");
        var answer = await client.SendAsync(HttpMethod.Post, path, body, cancellationToken).ConfigureAwait(false);
        var row = JsonSerializer.SerializeToElement(answer).EnumerateObject().ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);
        row["site"] = JsonSerializer.SerializeToElement(site);
        var format = Format(options);
        await Listing.WriteOneAsync(Console.Out, format, format == OutputFormat.Json ? answer : JsonSerializer.SerializeToElement(row), VmColumns).ConfigureAwait(false);
        return 0;
    }

    private static string Seconds(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString("0.0", CultureInfo.InvariantCulture) + " s" : "";

    private static string Mib(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? (value.GetDouble() / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) : "?";

    /// <summary>How long before the site's status (<c>at</c>) the time <paramref name="name"/> was: "3.2 s ago".</summary>
    private static string Ago(JsonElement row, string name) =>
        Listing.Member(row, name) is { ValueKind: JsonValueKind.String } when && Listing.Member(row, "at") is { ValueKind: JsonValueKind.String } at
        && DateTimeOffset.TryParse(when.GetString(), CultureInfo.InvariantCulture, out var then) && DateTimeOffset.TryParse(at.GetString(), CultureInfo.InvariantCulture, out var now)
            ? (now - then).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s ago"
            : "";
}
