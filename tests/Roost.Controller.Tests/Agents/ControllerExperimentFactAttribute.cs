namespace Roost.Controller.Tests.Agents;

/// <summary>
/// An experiment of docs/experiments/ with real agents under the controller: runs only when <c>ROOST_EXPERIMENT</c>
/// names it (or is <c>all</c>), and then skips visibly without QEMU.
/// </summary>
public sealed class ControllerExperimentFactAttribute : FactAttribute
{
    public const string Variable = "ROOST_EXPERIMENT";

    public ControllerExperimentFactAttribute(string name, string filter)
    {
        var requested = (Environment.GetEnvironmentVariable(Variable) ?? "").Split(',', StringSplitOptions.TrimEntries).Any(n => n == name || n == "all");
        Skip = !requested
            ? $"experiment, not part of the test command: {Variable}={name} dotnet test tests/Roost.Controller.Tests -c Release --filter {filter} --logger \"console;verbosity=detailed\""
            : QemuEnvironment.SkipReason;
    }
}
