namespace Roost.Simulation.Scenarios;

/// <summary>
/// A bad scenario file. <see cref="Exception.Message"/> is the one line a user sees, naming the file and the field,
/// e.g. <c>examples/scenarios/swap.json: vms[1].phases[0].cpuCores: expected a number ≥ 0, got "lots"</c>.
/// </summary>
public sealed class ScenarioFormatException : Exception
{
    public ScenarioFormatException(string message)
        : base(message)
    {
    }

    public ScenarioFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ScenarioFormatException()
    {
    }
}
