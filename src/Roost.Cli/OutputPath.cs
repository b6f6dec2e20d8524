using Roost.Simulation.Input;

namespace Roost.Cli;

/// <summary>
/// Checks a path the user gave for output before any work is done, so that writing cannot block on a FIFO, pour into
/// a device, or fail only after a long run: an existing target must be what it is expected to be (links followed).
/// </summary>
internal static class OutputPath
{
    /// <summary>A file to write: missing (it will be created in an existing folder) or a regular file.</summary>
    public static void RequireFile(string verb, string option, string path)
    {
        var kind = InputFile.KindOf(path);
        if (kind is FileKind.Missing)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
            if (InputFile.KindOf(folder) != FileKind.Directory)
            {
                throw new UsageException($"roost {verb}: --{option} {PrintableText.Escape(path)}: the folder {PrintableText.Escape(folder)} does not exist");
            }

            return;
        }

        if (kind != FileKind.Regular)
        {
            throw new UsageException($"roost {verb}: --{option} {PrintableText.Escape(path)}: is {InputFile.Name(kind)}{InputFile.LinkNote(path)}, not a regular file");
        }
    }

    /// <summary>A folder to write <paramref name="files"/> into: missing (it will be created) or a folder whose entries of those names are missing or regular files.</summary>
    public static void RequireFolder(string verb, string option, string path, IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var kind = InputFile.KindOf(path);
        if (kind is FileKind.Missing)
        {
            return;
        }

        if (kind != FileKind.Directory)
        {
            throw new UsageException($"roost {verb}: --{option} {PrintableText.Escape(path)}: is {InputFile.Name(kind)}{InputFile.LinkNote(path)}, not a folder");
        }

        foreach (var file in files)
        {
            var target = Path.Join(path, file);
            var fileKind = InputFile.KindOf(target);
            if (fileKind is not (FileKind.Missing or FileKind.Regular))
            {
                throw new UsageException($"roost {verb}: --{option} {PrintableText.Escape(path)}: {file} is {InputFile.Name(fileKind)}{InputFile.LinkNote(target)}, not a regular file");
            }
        }
    }
}
