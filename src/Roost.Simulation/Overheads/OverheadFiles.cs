using System.Text;
using Roost.Core.Overheads;
using Roost.Simulation.Input;

namespace Roost.Simulation.Overheads;

/// <summary>
/// The file edge of MOVE: reads model, samples and profile files (docs/move.md) and writes models and virtual traces.
/// Reads are bounded (<see cref="MaxModelBytes"/>, <see cref="MaxCsvBytes"/>), refuse anything but a regular file
/// before opening it (<see cref="InputFile"/>: a FIFO or a device cannot block or flood a read), and report every problem as an <see cref="OverheadFormatException"/> of one line naming the file.
/// </summary>
public static class OverheadFiles
{
    public const long MaxModelBytes = OverheadModelFile.MaxBytes;

    /// <summary>Largest samples or profile CSV read: about 600,000 lines of eleven metrics.</summary>
    public const long MaxCsvBytes = 64L << 20;

    public static OverheadModel ReadModel(string path) =>
        OverheadModelFile.Parse(ReadText(path, MaxModelBytes), PrintableText.Escape(path));

    public static NativeProfile ReadProfile(string path) =>
        UsageCsv.ParseProfile(Lines(ReadText(path, MaxCsvBytes)), PrintableText.Escape(path));

    public static (IReadOnlyList<BenchmarkSample> Samples, IReadOnlyList<NativeMetric> Metrics) ReadSamples(string path) =>
        UsageCsv.ParseSamples(Lines(ReadText(path, MaxCsvBytes)), PrintableText.Escape(path));

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
            throw new OverheadFormatException($"{PrintableText.Escape(path)}: cannot write: {PrintableText.Escape(e.Message)}", e);
        }
    }

    private static string[] Lines(string text) => text.Split('\n');

    /// <summary>The file as text: a regular file only (<see cref="InputFile"/>), at most <paramref name="limitBytes"/>, UTF-8.</summary>
    private static string ReadText(string path, long limitBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        var source = PrintableText.Escape(path);
        var bytes = InputFile.Read(path, limitBytes) switch
        {
            InputFileResult.Read read => read.Bytes,
            InputFileResult.Refused refused => throw new OverheadFormatException($"{source}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unknown read result"),
        };
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes.Span);
        }
        catch (DecoderFallbackException e)
        {
            throw new OverheadFormatException($"{source}: not UTF-8 text", e);
        }
    }
}
