namespace Roost.Cli.Commands;

/// <summary><c>roost simulate</c>: replay a workload through a simulated data center under one or more policies.</summary>
internal sealed class SimulateCommand : ICommand
{
    public string Name => "simulate";

    public string Summary => "Simulate a data center on a VM workload trace under one or more policies";

    public OptionSet Options { get; } = new OptionSet(
            "roost simulate [--workload W] [--policy P[,P...]] [--hosts N] [--json] [--report DIR]",
            "Replays VM demand traces through a simulated data center and prints energy, migrations and SLA figures.");

    public Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        return Task.FromResult(0);
    }
}
