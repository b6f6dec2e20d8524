namespace Roost.Simulation.Workloads;

/// <summary>
/// The trace files of a folder-per-workload format, in a reproducible order. The user's path is kept as given so
/// error messages name files the way the user wrote them.
/// </summary>
internal static class TraceFolder
{
    /// <summary>
    /// Regular files directly in <paramref name="directory"/>, hidden ones (leading '.') skipped, ordered by file name
    /// with <paramref name="comparer"/> (null: the order the file system lists them in). Each entry is (full path to open, path to show in messages).
    /// </summary>
    public static IReadOnlyList<(string Open, string Display)> List(string directory, IComparer<string>? comparer)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var display = directory.Length > 1 ? directory.TrimEnd('/') : directory;
        if (!Directory.Exists(directory))
        {
            throw new WorkloadFormatException(File.Exists(directory)
                ? $"{display}: is a file, expected a folder of trace files"
                : $"{display}: no such folder");
        }

        string[] names;
        try
        {
            names = Directory.GetFiles(directory).Select(Path.GetFileName).OfType<string>()
                .Where(name => !name.StartsWith('.')).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadFormatException($"{display}: cannot list the folder: {e.Message}", e);
        }

        if (names.Length == 0)
        {
            throw new WorkloadFormatException($"{display}: the folder has no trace files");
        }

        if (comparer is not null)
        {
            Array.Sort(names, comparer);
        }
        return Array.ConvertAll(names, name => (Path.Join(directory, name), Path.Join(display, name)));
    }

    /// <summary>All bytes of a trace file, or a one-line error naming it.</summary>
    public static byte[] ReadAllBytes(string open, string display)
    {
        try
        {
            return File.ReadAllBytes(open);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadFormatException($"{display}: cannot read: {e.Message}", e);
        }
    }

    /// <summary>The last folder name of a path, for workload names such as <c>planetlab:20110303</c>.</summary>
    public static string LeafName(string path)
    {
        var trimmed = path.TrimEnd('/');
        var leaf = Path.GetFileName(trimmed);
        return leaf.Length > 0 ? leaf : trimmed;
    }
}
