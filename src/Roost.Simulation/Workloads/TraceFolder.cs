using Roost.Simulation.Input;

namespace Roost.Simulation.Workloads;

/// <summary>
/// The trace files of a folder-per-workload format, in a reproducible order. The user's path is kept as given so
/// error messages name files the way the user wrote them (with control characters escaped).
/// </summary>
internal static class TraceFolder
{
    /// <summary>
    /// The entries directly in <paramref name="directory"/> that are not folders, hidden ones (leading '.') skipped,
    /// ordered by file name with <paramref name="comparer"/> (null: the order the file system lists them in). Each entry
    /// is (full path to open, path to show in messages). Entries that are not regular files (a FIFO, a link to a device)
    /// are listed; <see cref="ReadAllBytes"/> refuses them.
    /// </summary>
    public static IReadOnlyList<(string Open, string Display)> List(string directory, IComparer<string>? comparer)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var display = PrintableText.Escape(directory.Length > 1 ? directory.TrimEnd('/') : directory);
        var kind = InputFile.KindOf(directory);
        if (kind != FileKind.Directory)
        {
            throw new WorkloadFormatException(kind switch
            {
                FileKind.Missing => $"{display}: no such folder",
                FileKind.Regular => $"{display}: is a file, expected a folder of trace files",
                _ => $"{display}: is {InputFile.Name(kind)}{InputFile.LinkNote(directory)}, expected a folder of trace files",
            });
        }

        string[] names;
        try
        {
            names = Directory.GetFiles(directory).Select(Path.GetFileName).OfType<string>()
                .Where(name => !name.StartsWith('.')).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new WorkloadFormatException($"{display}: cannot list the folder: {PrintableText.Escape(e.Message)}", e);
        }

        if (names.Length == 0)
        {
            throw new WorkloadFormatException($"{display}: the folder has no trace files");
        }

        if (comparer is not null)
        {
            Array.Sort(names, comparer);
        }

        return Array.ConvertAll(names, name => (Path.Join(directory, name), Path.Join(display, PrintableText.Escape(name))));
    }

    /// <summary>All bytes of a trace file, at most <paramref name="limitBytes"/>, or a one-line error naming it.</summary>
    public static ReadOnlyMemory<byte> ReadAllBytes(string open, string display, long limitBytes) =>
        InputFile.Read(open, limitBytes) switch
        {
            InputFileResult.Read read => read.Bytes,
            InputFileResult.Refused refused => throw new WorkloadFormatException($"{display}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };

    /// <summary>The last folder name of a path, for workload names such as <c>planetlab:20110303</c>.</summary>
    public static string LeafName(string path)
    {
        var trimmed = path.TrimEnd('/');
        var leaf = Path.GetFileName(trimmed);
        return PrintableText.Escape(leaf.Length > 0 ? leaf : trimmed);
    }
}
