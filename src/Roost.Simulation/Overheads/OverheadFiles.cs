using System.Text;
using Roost.Core.Overheads;

namespace Roost.Simulation.Overheads;

/// <summary>
/// The file edge of MOVE: reads model, samples and profile files (docs/move.md) and writes models and virtual traces.
/// Reads are bounded (<see cref="MaxModelBytes"/>, <see cref="MaxCsvBytes"/>), refuse folders and missing files, and
/// report every problem as an <see cref="OverheadFormatException"/> of one line naming the file.
/// </summary>
public static class OverheadFiles
{
    public const long MaxModelBytes = OverheadModelFile.MaxBytes;

    /// <summary>Largest samples or profile CSV read: about 600,000 lines of eleven metrics.</summary>
    public const long MaxCsvBytes = 64L << 20;

    public static OverheadModel ReadModel(string path) => OverheadModelFile.Parse(ReadText(path, MaxModelBytes), path);

    public static NativeProfile ReadProfile(string path) => UsageCsv.ParseProfile(Lines(ReadText(path, MaxCsvBytes)), path);

    public static (IReadOnlyList<BenchmarkSample> Samples, IReadOnlyList<NativeMetric> Metrics) ReadSamples(string path) =>
        UsageCsv.ParseSamples(Lines(ReadText(path, MaxCsvBytes)), path);

    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file, so a reader never sees half a file.</summary>
    public static void WriteText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        var temporary = path + ".tmp";
        try
        {
            File.WriteAllText(temporary, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            throw new OverheadFormatException($"{path}: cannot write: {e.Message}", e);
        }
    }

    private static string[] Lines(string text) => text.Split('\n');

    private static string ReadText(string path, long limitBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = ReadBytes(path, limitBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OverheadFormatException($"{path}: cannot read: {e.Message}", e);
        }

        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new OverheadFormatException($"{path}: not UTF-8 text", e);
        }
    }

    private static byte[] ReadBytes(string path, long limitBytes)
    {
        if (Directory.Exists(path))
        {
            throw new OverheadFormatException($"{path}: is a folder, not a regular file");
        }

        if (!File.Exists(path))
        {
            throw new OverheadFormatException($"{path}: no such file");
        }

        using var stream = File.OpenRead(path);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > limitBytes)
            {
                throw new OverheadFormatException($"{path}: is larger than the {limitBytes >> 20} MiB limit for this kind of file");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
