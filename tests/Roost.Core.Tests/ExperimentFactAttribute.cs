namespace Roost.Core.Tests;

/// <summary>
/// An experiment that builds a table of docs/experiments/, not a test: it runs only when ROOST_EXPERIMENT names it
/// (a comma-separated list, or <c>all</c>), and is otherwise reported as skipped with the command that runs it. The
/// suite keeps a fast test of each experiment's claim.
/// </summary>
public sealed class ExperimentFactAttribute : FactAttribute
{
    public const string Variable = "ROOST_EXPERIMENT";

    /// <param name="name">The experiment's name, as ROOST_EXPERIMENT gives it.</param>
    /// <param name="filter">The test name to filter on.</param>
    public ExperimentFactAttribute(string name, string filter)
    {
        if (!IsRequested(name))
        {
            Skip = $"experiment, not part of the test command: ROOST_EXPERIMENT={name} dotnet test tests/Roost.Core.Tests -c Release --filter {filter} --logger \"console;verbosity=detailed\"";
        }
    }

    public static bool IsRequested(string name) =>
        (Environment.GetEnvironmentVariable(Variable) ?? "").Split(',', StringSplitOptions.TrimEntries).Any(n => n == name || n == "all");
}
