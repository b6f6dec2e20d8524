namespace Roost.Hypervisor.Tests;

/// <summary>
/// An experiment on real guests that builds a table of docs/experiments/ (it boots a fleet): not part of the test
/// command. It runs only when ROOST_EXPERIMENT names it (a comma-separated list, or <c>all</c>) and QEMU is present;
/// otherwise it is reported as skipped, with the command that runs it or the reason QEMU is missing.
/// </summary>
public sealed class QemuExperimentFactAttribute : FactAttribute
{
    public const string Variable = "ROOST_EXPERIMENT";

    /// <param name="name">The experiment's name, as ROOST_EXPERIMENT gives it.</param>
    /// <param name="filter">The test name to filter on.</param>
    public QemuExperimentFactAttribute(string name, string filter)
    {
        var requested = (Environment.GetEnvironmentVariable(Variable) ?? "").Split(',', StringSplitOptions.TrimEntries).Any(n => n == name || n == "all");
        Skip = !requested
            ? $"experiment, not part of the test command: ROOST_EXPERIMENT={name} dotnet test tests/Roost.Hypervisor.Tests -c Release --filter {filter} --logger \"console;verbosity=detailed\""
            : QemuEnvironment.SkipReason;
    }
}
