using System.Globalization;
using System.Text;
using Roost.Core.Balancing;
using Roost.Simulation.Scenarios;

namespace Roost.Cli.Commands;

/// <summary><c>roost scenario FILE</c>: replay a Sandpiper scenario (docs/scenarios.md) and print its metrics.</summary>
internal sealed class ScenarioCommand : ICommand
{
    public string Name => "scenario";

    public string Summary => "Replay a Sandpiper scenario file (black-box and/or gray-box) and print hotspot metrics";

    public OptionSet Options { get; } = new OptionSet(
            "roost scenario FILE [--provisioner black-box|gray-box|both] [--actions]",
            "Replays a scenario (see docs/scenarios.md) through Sandpiper's monitoring and planner, printing overload "
            + "host-seconds, hotspots, migrations, swaps, resizes and time to relief.")
        .WithArguments("FILE")
        .Add("provisioner", "NAME", "black-box, gray-box or both (default both)")
        .Add("actions", null, "also print every planned action with its time and reason");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Positional.Count != 1)
        {
            throw new UsageException("roost scenario: expected one scenario FILE (see 'roost scenario --help')");
        }

        var engines = (options.Get("provisioner") ?? "both") switch
        {
            "black-box" => new[] { SandpiperEngine.BlackBox() },
            "gray-box" => [SandpiperEngine.GrayBox()],
            "both" => [SandpiperEngine.BlackBox(), SandpiperEngine.GrayBox()],
            var other => throw new UsageException($"roost scenario: --provisioner: '{other}' is not black-box, gray-box or both"),
        };

        Scenario scenario;
        try
        {
            scenario = ScenarioReader.ReadFile(options.Positional[0]);
        }
        catch (ScenarioFormatException e)
        {
            throw new UsageException(e.Message);
        }

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"scenario {scenario.Name}: {scenario.Hosts.Count} hosts, {scenario.Vms.Count} VMs, {scenario.Duration.TotalSeconds:0} s, monitoring every {scenario.MonitoringInterval.TotalSeconds:0} s")
            .AppendLine("provisioner  overload-host-s  hotspots  migrations  swaps  resizes  mean-relief-s  max-relief-s  unrelieved  migrations/hotspot");
        var runs = engines.Select(engine => ScenarioStepper.Run(scenario, engine)).ToList();
        foreach (var run in runs)
        {
            var m = run.Metrics;
            text.AppendLine(CultureInfo.InvariantCulture, $"{run.Provisioner,-11}  {m.OverloadHostSeconds,15}  {m.HotspotsDetected,8}  {m.Migrations,10}  {m.Swaps,5}  {m.Resizes,7}  {Show(m.MeanSecondsToRelief),13}  {Show(m.MaxSecondsToRelief),12}  {m.UnrelievedEpisodes,10}  {m.MigrationsPerHotspot,18:0.##}");
        }

        if (options.Has("actions"))
        {
            foreach (var run in runs)
            {
                text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"{run.Provisioner} actions:");
                foreach (var action in run.Actions)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"  {action}");
                }
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        await Console.Out.WriteAsync(text.ToString()).ConfigureAwait(false);
        return 0;
    }

    private static string Show(double? value) => value is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) : "-";
}
