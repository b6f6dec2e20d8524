namespace Roost.Hypervisor.Tests.Network;

/// <summary>
/// An experiment on VPCs in a lab that builds a table of docs/experiments/vpc.md: not part of the test command. It runs
/// only when ROOST_EXPERIMENT names it (or is <c>all</c>) and labs can be built; otherwise it is skipped with the
/// command that runs it or the reason.
/// </summary>
public sealed class NetworkLabExperimentFactAttribute : FactAttribute
{
    public NetworkLabExperimentFactAttribute(string name, string filter)
    {
        var requested = (Environment.GetEnvironmentVariable(QemuExperimentFactAttribute.Variable) ?? "").Split(',', StringSplitOptions.TrimEntries).Any(n => n == name || n == "all");
        Skip = !requested
            ? $"experiment, not part of the test command: {QemuExperimentFactAttribute.Variable}={name} dotnet test tests/Roost.Hypervisor.Tests -c Release --filter {filter} --logger \"console;verbosity=detailed\""
            : new NetworkLabFactAttribute().Skip;
    }
}
