using Roost.Core.Balancing;
using Roost.Core.Model;
using Roost.Simulation.Scenarios;
using Xunit.Abstractions;

namespace Roost.Simulation.Tests.Scenarios;

public sealed class ScenarioStepperTests(ITestOutputHelper output)
{
    [Fact]
    public void SingleHotspot_RelievedWithin20Seconds_ByMigratingHighestVsrVmToLeastLoadedHost()
    {
        var scenario = ExampleScenarios.Load("single-hotspot");

        var run = ScenarioStepper.Run(scenario, SandpiperEngine.BlackBox());

        Print(run);
        var migrate = Assert.IsType<SandpiperAction.Migrate>(Assert.Single(run.Actions).Action);
        Assert.Equal(new VmId(3), migrate.Vm);
        Assert.Equal(new HostId(1), migrate.From);
        Assert.Equal(new HostId(2), migrate.To);
        var episode = Assert.Single(run.Episodes);
        Assert.Equal(new HostId(1), episode.Host);
        Assert.Equal(60, episode.OnsetSecond);
        Assert.NotNull(episode.SecondsToRelief);
        Assert.InRange(episode.SecondsToRelief.Value, 1, 20);
        Assert.Equal(1, run.Metrics.HotspotsDetected);
        Assert.All(run.Hosts, h => Assert.True(h.PeakUtilisation <= 0.75, $"{h.Host} ends at {h.PeakUtilisation:P1}"));
    }

    [Fact]
    public void SingleHotspot_SlowMigrationLink_ReliefWaitsForTheCopy()
    {
        // Detected at 75 s; 256 MiB · 8.388608 / 100 Mbit/s = 21.5 s of copying, so the load leaves at second 97.
        var scenario = ExampleScenarios.Load("single-hotspot") with { MigrationBandwidthMbps = 100 };

        var run = ScenarioStepper.Run(scenario, SandpiperEngine.BlackBox());

        Assert.Equal(TimeSpan.FromSeconds(75), Assert.Single(run.Actions).At);
        Assert.Equal(97, Assert.Single(run.Episodes).ReliefSecond);
    }

    [Fact]
    public void Swap_NoSingleMoveFits_ResolvedBySwap()
    {
        var scenario = ExampleScenarios.Load("swap");

        var run = ScenarioStepper.Run(scenario, SandpiperEngine.BlackBox());

        Print(run);
        var swap = Assert.IsType<SandpiperAction.Swap>(Assert.Single(run.Actions).Action);
        Assert.Equal(
            ["vm-1 host-1 -> host-2", "vm-3 host-2 -> host-1"],
            swap.Migrations.Select(m => $"{m.Vm} {m.From} -> {m.To}"));
        Assert.Equal(0, run.Metrics.UnrelievedEpisodes);
        Assert.All(run.Hosts, h => Assert.True(h.PeakUtilisation <= 0.75, $"{h.Host} ends at {h.PeakUtilisation:P1}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Resize_PinnedVmOnRoomyHost_ResolvedWithoutMigration(bool grayBox)
    {
        var scenario = ExampleScenarios.Load("resize");
        var engine = grayBox ? SandpiperEngine.GrayBox() : SandpiperEngine.BlackBox();

        var run = ScenarioStepper.Run(scenario, engine);

        Print(run);
        Assert.Equal(0, run.Metrics.Migrations);
        Assert.True(run.Metrics.Resizes >= 1, "expected at least one resize");
        Assert.All(run.Actions, a => Assert.IsType<SandpiperAction.Resize>(a.Action));
        Assert.Equal(0, run.Metrics.UnrelievedEpisodes);
        Assert.True(run.Vms.Single(v => v.Vm == new VmId(1)).Allocation.CpuCores >= 1.6, "vm-1 must end with at least its 1.6-core demand");
    }

    [Fact]
    public void Resize_GrayBoxUsesQueueingBound_RelievesFasterThanBlackBox()
    {
        var scenario = ExampleScenarios.Load("resize");

        var black = ScenarioStepper.Run(scenario, SandpiperEngine.BlackBox());
        var gray = ScenarioStepper.Run(scenario, SandpiperEngine.GrayBox());

        Assert.True(
            gray.Metrics.OverloadHostSeconds < black.Metrics.OverloadHostSeconds,
            $"gray-box {gray.Metrics.OverloadHostSeconds} vs black-box {black.Metrics.OverloadHostSeconds} overload host-seconds");
    }

    [Fact]
    public void MemoryPressure_GrayBoxHasFewerOverloadHostSecondsThanBlackBox()
    {
        var scenario = ExampleScenarios.Load("memory-pressure");

        var black = ScenarioStepper.Run(scenario, SandpiperEngine.BlackBox());
        var gray = ScenarioStepper.Run(scenario, SandpiperEngine.GrayBox());

        Print(black);
        Print(gray);
        Assert.True(
            gray.Metrics.OverloadHostSeconds < black.Metrics.OverloadHostSeconds,
            $"gray-box {gray.Metrics.OverloadHostSeconds} vs black-box {black.Metrics.OverloadHostSeconds} overload host-seconds");
        Assert.Equal(0, gray.Metrics.UnrelievedEpisodes);
        Assert.Equal(0, black.Metrics.UnrelievedEpisodes);
    }

    [Theory]
    [InlineData("single-hotspot")]
    [InlineData("swap")]
    [InlineData("resize")]
    [InlineData("memory-pressure")]
    public void Run_SameScenarioTwice_GivesIdenticalRuns(string name)
    {
        var scenario = ExampleScenarios.Load(name);

        var first = ScenarioStepper.Run(scenario, SandpiperEngine.GrayBox());
        var second = ScenarioStepper.Run(scenario, SandpiperEngine.GrayBox());

        Assert.Equal(first.Actions.Select(a => a.ToString()), second.Actions.Select(a => a.ToString()));
        Assert.Equal(first.Metrics, second.Metrics);
    }

    [Fact]
    public void Step_AdvancesOneSecondAndStopsAtTheEnd()
    {
        var stepper = new ScenarioStepper(ExampleScenarios.Load("resize"), SandpiperEngine.BlackBox());

        var steps = 0;
        while (stepper.Step())
        {
            steps++;
        }

        Assert.Equal(180, steps);
        Assert.True(stepper.Finished);
        Assert.False(stepper.Step());
    }

    private void Print(ScenarioRun run)
    {
        output.WriteLine($"{run.Scenario} [{run.Provisioner}] {run.Metrics}");
        foreach (var action in run.Actions)
        {
            output.WriteLine(action.ToString());
        }

        foreach (var episode in run.Episodes)
        {
            output.WriteLine(episode.ToString());
        }
    }
}
