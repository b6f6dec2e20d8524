namespace Roost.Simulation.Tests.Workloads;

/// <summary>
/// Finds the real traces in <c>../shared/traces</c> next to the repository root (the folder holding Roost.slnx).
/// They are never committed; tests that need them return early and say so when they are absent.
/// </summary>
internal static class SharedTraces
{
    public static string? Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Roost.slnx")))
            {
                var path = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "traces", relative));
                return Directory.Exists(path) || File.Exists(path) ? path : null;
            }
        }

        return null;
    }

    public static string SkipMessage(string relative) =>
        $"SKIPPED: ../shared/traces/{relative} is absent next to the repository root; nothing was checked.";
}
