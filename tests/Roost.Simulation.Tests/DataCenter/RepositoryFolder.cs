namespace Roost.Simulation.Tests.DataCenter;

/// <summary>The repository's folders, found from the test binaries up to the folder holding Roost.slnx.</summary>
internal static class RepositoryFolder
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Roost.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"no Roost.slnx above {AppContext.BaseDirectory}: the repository's files cannot be found");
        }
    }
}
