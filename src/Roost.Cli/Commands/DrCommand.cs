using System.Globalization;
using System.Text;
using System.Text.Json;
using Roost.Core.Recovery;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost dr cost</c>: the DR pricing analysis of Wood et al. (HotCloud 2010): one year of DR for each application
/// type and backup mechanism in a public cloud against a dedicated DR site, as a table, CSV or JSON, and an SVG plot
/// of cost against days spent failed over (docs/experiments/dr.md).
/// </summary>
internal sealed partial class DrCommand : ICommand
{
    private static readonly Dictionary<string, string[]> _optionsOf = new(StringComparer.Ordinal)
    {
        ["cost"] = ["prices", "price", "app", "mechanism", "failover-days", "retention-days", "out", "plot", "plot-days"],
        ["serve"] = ["listen", "dir", "secret-file", "vm", "checkpoint-interval", "retain", "loss-after", "status-listen", "status-token-file", "guest", "run", "bridge", "gateway", "qemu", "memory-mib", "failover-on-loss"],
        ["export"] = ["dir", "vm", "at", "out", "acked-log"],
        ["bench"] = ["to", "secret-file", "mode", "clients", "seconds", "write-kib", "vm", "disk-mib", "lag", "acked-log", "service"],
        ["protect"] = ["to", "secret-file", "mode", "vm", "lag", "run", "address", "gateway", "bridge", "disk", "qemu", "memory-mib"],
        ["failover"] = ["dir", "vm", "run", "address", "gateway", "bridge", "qemu", "memory-mib", "site", "controller", "token-file", "config", "context", "output"],
        ["failback"] = ["listen", "to", "secret-file", "vm", "image", "block-kib", "site", "controller", "token-file", "config", "context", "output"],
        ["sites"] = ["controller", "token-file", "config", "context", "output"],
    };

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Name => "dr";

    public string Summary => "Disaster recovery: cost model, the cloud site's replication manager, protected guests, failover, benchmarks";

    public OptionSet Options { get; } = new OptionSet(
            "roost dr cost [--prices 2010|current] [--price KEY=VALUE]... [--app NAME]... [--mechanism NAME]...\n"
            + "                    [--failover-days D] [--retention-days R] [--out FILE.csv|FILE.json] [--plot FILE.svg]\n"
            + "       roost dr serve --listen ADDRESS:PORT --dir DIR --secret-file FILE --vm ID:SIZE_MIB [--vm …] [--checkpoint-interval S] [--retain N]\n"
            + "                  [--loss-after S] [--status-listen ADDRESS:PORT --status-token-file FILE]\n"
            + "                  [--guest ID=A/P... --run DIR --bridge BR [--gateway G] [--failover-on-loss]]\n"
            + "       roost dr export --dir DIR --vm ID:SIZE_MIB --out IMAGE [--at SEQUENCE] [--acked-log FILE]\n"
            + "       roost dr bench --to ADDRESS:PORT --secret-file FILE --mode async|sync|pipelined [--clients N] [--seconds S] [--write-kib K]\n"
            + "       roost dr bench --service ADDRESS:PORT [--clients N] [--seconds S] [--acked-log FILE]\n"
            + "       roost dr protect --to ADDRESS:PORT --secret-file FILE --mode MODE --vm ID:SIZE_MIB --run DIR --address A/P [--gateway G] --bridge BR\n"
            + "       roost dr failover --dir DIR --vm ID:SIZE_MIB --run DIR --address A/P [--gateway G] --bridge BR\n"
            + "       roost dr failback --listen ADDRESS:PORT|--to ADDRESS:PORT --secret-file FILE --vm ID:SIZE_MIB --image FILE [--block-kib K]\n"
            + "       roost dr sites [--controller URL] [--token-file F] [--output table|json|csv]\n"
            + "       roost dr failover --site NAME --vm N [--controller URL] [--token-file F]\n"
            + "       roost dr failback --site NAME --vm N --to ADDRESS:PORT [--controller URL] [--token-file F]",
            "cost: one year of disaster recovery for each application type and backup mechanism, in a public cloud (billed\n"
            + "by use: servers only while failed over) against a dedicated DR site (every server paid for all year), after\n"
            + "Wood et al., HotCloud 2010. Applications: " + string.Join(", ", DrApplication.Presets.Select(a => a.Name))
            + ". Mechanisms: " + string.Join(", ", BackupMechanisms.All.Select(BackupMechanisms.Name)) + ".\n"
            + "Price keys: " + string.Join(", ", DrPrices.Keys.Select(k => k.Key)) + ".\n"
            + "serve: the cloud site's replication manager: applies each protected VM's writes in order into an owner-only\n"
            + "journal (DIR), acknowledges them once durable (fsync), keeps crash-consistent checkpoints (--retain of them);\n"
            + "a VM whose primary is silent (no write, no heartbeat) for --loss-after seconds is declared lost (one log line\n"
            + "with the write a failover would boot from and the last contact). With --guest, the site boots warm replicas:\n"
            + "a failover (POST /vms/ID/failover, or by itself on loss with --failover-on-loss) fences the VM, exports its\n"
            + "replica at the latest consistent point into --run and boots it with its address on --bridge; a failback\n"
            + "(POST /vms/ID/failback {\"to\":\"A:P\"}) stops it and makes the recovered primary's 'failback --listen' disk\n"
            + "equal, moving only the blocks that differ. --status-listen serves GET /status (JSON: per VM mode, applied,\n"
            + "issued and lag when its primary said, RPO, last checkpoint, connected, last contact, state, last failover with\n"
            + "its RTO, last failback with its bytes) and the actions to holders of the bearer token in --status-token-file (0600).\n"
            + "bench: a transactional service in this process at the primary site, one commit (a write of --write-kib) at a\n"
            + "time through the replicator to 'serve', and --clients closed-loop clients; prints throughput and latency.\n"
            + "export: the disk of a protected VM from a stopped 'serve''s journal, at its latest consistent point (or at\n"
            + "write --at, from the base image's point on): the image a failover boots from; with --acked-log, every\n"
            + "acknowledged transaction is looked up in the image's database (e2fsck, debugfs, sqlite3 on a copy).\n"
            + "bench --service: closed-loop clients of a protected guest's SQLite service over TCP.\n"
            + "protect: boots a guest whose disk is served by Roost over NBD (each write applied to the local image, --disk,\n"
            + "and replicated to 'serve') and whose NIC goes through Roost's egress buffer to a tap on --bridge (pipelined:\n"
            + "a frame leaves once every write before it is acknowledged); the guest runs SQLite on ext4 behind TCP 7000.\n"
            + "failover: exports the replica from a stopped 'serve''s journal and boots it with the same address on --bridge.\n"
            + "protect and failover run until SIGTERM (root: they make a tap). Frames are authenticated with the shared\n"
            + "secret (32+ bytes, mode 0600).\n"
            + "failback: makes the recovered primary's --image (--listen) equal to the cloud site's (--to), moving only the\n"
            + "blocks whose SHA-256 differ; prints what moved against a full copy.\n"
            + "sites: the cloud sites a running controller watches ('roost serve --dr-site'): per site and VM the mode, state,\n"
            + "applied writes, lag, RPO, last checkpoint, last contact, the last failover's RTO and the last failback's bytes\n"
            + "moved; a site's problem (unreachable, token refused) on stderr. failover|failback --site: asks the controller,\n"
            + "which asks that site's 'roost dr serve' (POST /vms/N/failover|failback); the site acts and its status shows it.")
        .WithArguments("cost|serve|export|bench|protect|failover|failback|sites", "cost", "serve", "export", "bench", "protect", "failover", "failback", "sites")
        .Add("prices", "PRESET", "2010 (the paper's year: AWS list prices) or current (default 2010); sources: docs/experiments/dr.md")
        .Add("price", "KEY=VALUE", "Override one price of the preset (repeatable), e.g. cloud-server-hour=0.2", repeatable: true)
        .Add("app", "NAME", "An application type to price (repeatable; default all)", repeatable: true)
        .Add("mechanism", "NAME", "A backup mechanism to price (repeatable; default all)", repeatable: true)
        .Add("failover-days", "D", "Days a year spent failed over to the DR site, 0 to 365 (default 7)")
        .Add("retention-days", "R", "Days of point-in-time history kept beside the full copy, 0 to 3650 (default 7)")
        .Add("out", "FILE", "cost: also write the table as CSV or JSON (by the name's ending: .csv or .json); export: the image")
        .Add("plot", "FILE", "Write an SVG plot of each year's cost against the failover days (name ending .svg)")
        .Add("plot-days", "D", "The plot's last failover day, 1 to 365 (default 60)")
        .Add("listen", "ADDRESS:PORT", "serve: where primary sites connect; failback: where the cloud site connects")
        .Add("dir", "DIR", "serve, export, failover: the journal directory (serve creates it 0700)")
        .Add("secret-file", "FILE", "serve, bench, protect: the shared secret authenticating every frame (at least 32 bytes, mode 0600)")
        .Add("vm", "ID:SIZE_MIB", "serve, export, protect, failover: a protected VM and its disk size (serve: repeatable); bench: the VM id (default 1)", repeatable: true)
        .Add("checkpoint-interval", "S", "serve: seconds between checkpoints (default 1)")
        .Add("retain", "N", "serve: checkpoints kept (default 60)")
        .Add("status-listen", "ADDRESS:PORT", "serve: where GET /status is served (needs --status-token-file)")
        .Add("status-token-file", "FILE", "serve: the status's bearer token (an owner-only file, mode 0600)")
        .Add("loss-after", "S", "serve: seconds of silence from a VM's primary that declare it lost, 0.01 to 86400 (default 5)")
        .Add("at", "SEQUENCE", "export: the VM's write to stop at (default: the latest applied)")
        .Add("to", "ADDRESS:PORT", "bench, protect: the cloud site's 'roost dr serve'; failback: the recovered primary's 'failback --listen'")
        .Add("mode", "MODE", "bench, protect: async, sync or pipelined")
        .Add("clients", "N", "bench: closed-loop clients, 1 to 1024 (default 8)")
        .Add("seconds", "S", "bench: how long to run (default 10)")
        .Add("write-kib", "K", "bench: bytes each commit writes, in KiB (default 4)")
        .Add("disk-mib", "M", "bench: the VM's disk size as 'serve' has it (default 64)")
        .Add("lag", "N", "bench, protect: most unacknowledged writes (async's lag; default 1024)")
        .Add("acked-log", "FILE", "bench: append each acknowledged commit (for the crash experiment); export: check each is in the image")
        .Add("service", "ADDRESS:PORT", "bench: a protected guest's SQLite service instead of an in-process one")
        .Add("run", "DIR", "protect, failover, serve: the guest's run directory (created 0700: sockets, local image, initramfs)")
        .Add("address", "A/P", "protect, failover: the guest's IPv4 address and prefix, e.g. 10.77.1.5/24")
        .Add("guest", "ID=A/P", "serve: a VM this site boots on failover, with its address (repeatable)", repeatable: true)
        .Add("failover-on-loss", null, "serve: fail a --guest VM over by itself when its primary is declared lost")
        .Add("gateway", "G", "protect, failover, serve: the guest's default gateway")
        .Add("bridge", "NAME", "protect, failover, serve: the bridge the guest's NIC joins")
        .Add("disk", "FILE", "protect: the local raw image (default RUN/vm-ID.img; when missing, made as an empty ext4 and shipped to the cloud site first)")
        .Add("qemu", "BINARY", "protect, failover, serve: the QEMU binary (default qemu-system-x86_64)")
        .Add("memory-mib", "M", "protect, failover, serve: guest RAM (default 256)")
        .Add("image", "FILE", "failback: this site's disk image (--listen: the one to bring up to date)")
        .Add("block-kib", "K", "failback: block size compared by digest, a power of two from 4 to 4096 KiB (default 64)")
        .Add("site", "NAME", "failover, failback: through the controller, at this DR site (a name of 'roost serve --dr-site')")
        .Add("controller", "URL", "sites, failover|failback --site: the controller's URL (else ROOST_CONTROLLER, the config file, http://127.0.0.1:7070)")
        .Add("token-file", "F", "sites, failover|failback --site: the controller's bearer token (else ROOST_TOKEN_FILE, ROOST_TOKEN, the config file)")
        .Add("config", "F", "sites, failover|failback --site: config file naming controllers (as the client verbs)")
        .Add("context", "NAME", "sites, failover|failback --site: which controller of the config file")
        .Add("output", "FORMAT", "sites, failover|failback --site: table (default), json (the API's JSON) or csv");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var verb = options.Positional is [var v] && _optionsOf.ContainsKey(v) ? v : throw new UsageException("roost dr: expected cost, serve, export, bench, protect, failover, failback or sites (see 'roost dr --help')");
        options.RejectOptionsOutside(verb, _optionsOf[verb]);
        return verb switch
        {
            "sites" => await SitesAsync(options, cancellationToken).ConfigureAwait(false),
            "failover" or "failback" when options.Has("site") || _clientOptions.Any(options.Has) => await ActAsync(verb, options, cancellationToken).ConfigureAwait(false),
            "serve" => await ServeAsync(options, cancellationToken).ConfigureAwait(false),
            "bench" => await BenchAsync(options, cancellationToken).ConfigureAwait(false),
            "export" => await ExportAsync(options, cancellationToken).ConfigureAwait(false),
            "protect" => await ProtectAsync(options, cancellationToken).ConfigureAwait(false),
            "failover" => await FailoverAsync(options, cancellationToken).ConfigureAwait(false),
            "failback" => await FailbackAsync(options, cancellationToken).ConfigureAwait(false),
            _ => await CostAsync(options, cancellationToken).ConfigureAwait(false),
        };
    }

    private static async Task<int> CostAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        const string Verb = "roost dr cost";
        var prices = ParsePrices(options, Verb);
        var apps = Select(options.GetAll("app"), DrApplication.Presets, a => a.Name, "--app", Verb);
        var mechanisms = Select(options.GetAll("mechanism"), BackupMechanisms.All, BackupMechanisms.Name, "--mechanism", Verb);
        var failoverDays = options.GetDouble("failover-days", 7, min: 0, max: DrCostModel.DaysPerYear);
        var retentionDays = options.GetDouble("retention-days", 7, min: 0, max: 3650);
        var plotDays = options.GetInt("plot-days", 60, min: 1, max: (int)DrCostModel.DaysPerYear);
        var outPath = options.Get("out");
        if (outPath is not null)
        {
            if (!outPath.EndsWith(".csv", StringComparison.Ordinal) && !outPath.EndsWith(".json", StringComparison.Ordinal))
            {
                throw new UsageException($"{Verb}: --out {PrintableText.Escape(outPath)}: the name must end in .csv or .json");
            }

            OutputPath.RequireFile("dr cost", "out", outPath);
        }

        var plotPath = options.Get("plot");
        if (plotPath is not null)
        {
            if (!plotPath.EndsWith(".svg", StringComparison.Ordinal))
            {
                throw new UsageException($"{Verb}: --plot {PrintableText.Escape(plotPath)}: the name must end in .svg");
            }

            OutputPath.RequireFile("dr cost", "plot", plotPath);
        }

        var costs = apps.SelectMany(a => mechanisms.Select(m => DrCostModel.Year(a, m, prices, failoverDays, retentionDays))).ToList();
        if (outPath is not null)
        {
            await File.WriteAllTextAsync(outPath, outPath.EndsWith(".csv", StringComparison.Ordinal) ? Csv(costs) : Json(prices, failoverDays, retentionDays, costs), cancellationToken).ConfigureAwait(false);
        }

        if (plotPath is not null)
        {
            await File.WriteAllTextAsync(plotPath, Plot(apps, mechanisms, prices, retentionDays, plotDays), cancellationToken).ConfigureAwait(false);
        }

        await Console.Out.WriteAsync(Table(prices, failoverDays, retentionDays, costs)).ConfigureAwait(false);
        return 0;
    }

    private static DrPrices ParsePrices(ParsedOptions options, string verb)
    {
        var presetName = options.Get("prices") ?? DrPrices.List2010.Name;
        var prices = DrPrices.Presets.FirstOrDefault(p => p.Name == presetName)
            ?? throw new UsageException($"{verb}: --prices '{PrintableText.Escape(presetName)}' is not {string.Join(" or ", DrPrices.Presets.Select(p => p.Name))}");
        foreach (var setting in options.GetAll("price"))
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            var key = equals > 0 ? DrPrices.Keys.FirstOrDefault(k => k.Key == setting[..equals]) : null;
            if (key is null)
            {
                throw new UsageException($"{verb}: --price '{PrintableText.Escape(setting)}' is not KEY=VALUE with KEY one of {string.Join(", ", DrPrices.Keys.Select(k => k.Key))}");
            }

            var text = setting[(equals + 1)..];
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                throw new UsageException($"{verb}: --price {key.Key}: '{PrintableText.Escape(text)}' is not a number ({key.Unit})");
            }

            prices = key.With(prices, value) with { Source = prices.Source + $"; {key.Key} set to {value.ToString(CultureInfo.InvariantCulture)}" };
        }

        return prices.Validate() is { } invalid ? throw new UsageException($"{verb}: {invalid}") : prices;
    }

    private static List<T> Select<T>(IReadOnlyList<string> names, IReadOnlyList<T> all, Func<T, string> nameOf, string option, string verb)
    {
        if (names.Count == 0)
        {
            return [.. all];
        }

        var chosen = new List<T>();
        foreach (var name in names)
        {
            // By index, not FirstOrDefault: the default of an enum is one of its values.
            var index = all.Select(nameOf).ToList().IndexOf(name);
            if (index < 0)
            {
                throw new UsageException($"{verb}: {option} '{PrintableText.Escape(name)}' is not one of {string.Join(", ", all.Select(nameOf))}");
            }

            var item = all[index];
            if (!chosen.Contains(item))
            {
                chosen.Add(item);
            }
        }

        return chosen;
    }

    private static string Money(double usd) => usd.ToString("N0", CultureInfo.InvariantCulture);

    private static string BreakEven(double? days) => days switch
    {
        null => "> 365",
        0 => "never",
        { } d => d.ToString("0.#", CultureInfo.InvariantCulture),
    };

    private static string Table(DrPrices prices, double failoverDays, double retentionDays, IReadOnlyList<DrCost> costs)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(inv, $"One year of DR, {failoverDays:0.##} days of it failed over, {retentionDays:0.##} days of history kept; prices '{prices.Name}' (USD)")
            .AppendLine(inv, $"Prices: {prices.Source}")
            .AppendLine();
        string[] header = ["application", "mechanism", "cloud standby", "cloud failover", "cloud storage", "cloud transfer", "cloud total", "DR site total", "saving %", "break-even days"];
        var rows = costs.Select(c => new[]
        {
            c.Application,
            BackupMechanisms.Name(c.Mechanism),
            Money(c.CloudStandbyComputeUsd),
            Money(c.CloudFailoverComputeUsd),
            Money(c.CloudStorageUsd),
            Money(c.CloudTransferUsd),
            Money(c.CloudTotalUsd),
            Money(c.SiteTotalUsd),
            c.SavingPercent.ToString("0", inv),
            BreakEven(c.BreakEvenFailoverDays),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        foreach (var row in new[] { header, widths.Select(w => new string('-', w)).ToArray() }.Concat(rows))
        {
            text.AppendJoin("  ", row.Select((cell, i) => i < 2 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).AppendLine();
        }

        text.AppendLine("break-even days: the failover days a year at which the cloud costs as much as the dedicated site ('never': the cloud costs more even with no disaster)");
        return text.ToString();
    }

    private static string Csv(IReadOnlyList<DrCost> costs)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder("application,mechanism,failover_days,cloud_standby_usd,cloud_failover_usd,cloud_storage_usd,cloud_transfer_usd,cloud_total_usd,site_servers_usd,site_storage_usd,site_link_usd,site_total_usd,saving_pct,break_even_failover_days\n");
        foreach (var c in costs)
        {
            text.AppendLine(inv, $"{c.Application},{BackupMechanisms.Name(c.Mechanism)},{c.FailoverDays:R},{c.CloudStandbyComputeUsd:0.##},{c.CloudFailoverComputeUsd:0.##},{c.CloudStorageUsd:0.##},{c.CloudTransferUsd:0.##},{c.CloudTotalUsd:0.##},{c.SiteServersUsd:0.##},{c.SiteStorageUsd:0.##},{c.SiteLinkUsd:0.##},{c.SiteTotalUsd:0.##},{c.SavingPercent:0.##},{(c.BreakEvenFailoverDays is { } d ? d.ToString("0.##", inv) : "")}");
        }

        return text.ToString();
    }

    private static string Json(DrPrices prices, double failoverDays, double retentionDays, IReadOnlyList<DrCost> costs) =>
        JsonSerializer.Serialize(
            new
            {
                prices = DrPrices.Keys.ToDictionary(k => k.Key, k => k.Get(prices)),
                pricesName = prices.Name,
                pricesSource = prices.Source,
                failoverDays,
                retentionDays,
                costs = costs.Select(c => new
                {
                    c.Application,
                    mechanism = BackupMechanisms.Name(c.Mechanism),
                    cloudStandbyUsd = Math.Round(c.CloudStandbyComputeUsd, 2),
                    cloudFailoverUsd = Math.Round(c.CloudFailoverComputeUsd, 2),
                    cloudStorageUsd = Math.Round(c.CloudStorageUsd, 2),
                    cloudTransferUsd = Math.Round(c.CloudTransferUsd, 2),
                    cloudTotalUsd = Math.Round(c.CloudTotalUsd, 2),
                    siteServersUsd = Math.Round(c.SiteServersUsd, 2),
                    siteStorageUsd = Math.Round(c.SiteStorageUsd, 2),
                    siteLinkUsd = Math.Round(c.SiteLinkUsd, 2),
                    siteTotalUsd = Math.Round(c.SiteTotalUsd, 2),
                    savingPercent = Math.Round(c.SavingPercent, 2),
                    breakEvenFailoverDays = c.BreakEvenFailoverDays is { } d ? Math.Round(d, 2) : (double?)null,
                }),
            },
            _json) + "\n";
}
