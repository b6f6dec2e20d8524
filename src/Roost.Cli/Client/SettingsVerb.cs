using System.CommandLine;

namespace Roost.Cli.Client;

/// <summary><c>roost settings [show] | set [--mode M] [--threshold T] [--max-migrations N] [--placement P]</c>: the controller's run-time settings.</summary>
internal static class SettingsVerb
{
    private static readonly Column[] _columns =
    [
        new("MODE", s => Listing.Text(s, "mode")),
        new("THRESHOLD", s => Listing.Number(s, "threshold", "0.###")),
        new("MAX_CONCURRENT_MIGRATIONS", s => Listing.Text(s, "maxConcurrentMigrations")),
        new("PLACEMENT", s => Listing.Text(s, "placement")),
    ];

    public static Command Build(ClientOptions options)
    {
        var settings = new Command("settings", "The controller's run-time settings: show, set");
        var show = new Command("show", "Show the settings");
        show.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var current = await session.Client.GetAsync("api/settings", cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, current, _columns).ConfigureAwait(false);
            return 0;
        }));
        settings.Subcommands.Add(show);

        var mode = new Option<string>("--mode") { Description = "automatic (plans execute at once) or manual (plans wait for an operator)" };
        mode.AcceptOnlyFromAmong("automatic", "manual");
        var threshold = new Option<double?>("--threshold") { Description = "Fraction of a host's capacity that makes it hot, in (0, 1]", HelpName = "T" };
        var migrations = new Option<int?>("--max-migrations") { Description = "Migrations that may run at once, 1..64", HelpName = "N" };
        var placement = new Option<string>("--placement") { Description = "Where new VMs go: spread (most free memory), firstFit (lowest host with room) or sharing (Memory Buddies: beside the VMs they share the most pages with)" };
        placement.AcceptOnlyFromAmong("spread", "firstFit", "sharing");
        var set = new Command("set", "Change some settings; the others keep their values") { mode, threshold, migrations, placement };
        set.SetAction((result, cancellationToken) => options.RunAsync(result, async session =>
        {
            var body = new
            {
                mode = result.GetValue(mode),
                threshold = result.GetValue(threshold),
                maxConcurrentMigrations = result.GetValue(migrations),
                placement = result.GetValue(placement),
            };
            var changed = await session.Client.SendAsync(HttpMethod.Patch, "api/settings", body, cancellationToken).ConfigureAwait(false);
            await Listing.WriteOneAsync(session.Output, session.Format, changed, _columns).ConfigureAwait(false);
            return 0;
        }));
        settings.Subcommands.Add(set);
        settings.Action = show.Action;
        return settings;
    }
}
