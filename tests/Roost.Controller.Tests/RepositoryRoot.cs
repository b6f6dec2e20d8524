namespace Roost.Controller.Tests;

/// <summary>The repository root: the nearest folder above the test binaries holding Roost.slnx (null if none).</summary>
internal static class RepositoryRoot
{
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Roost.slnx")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
