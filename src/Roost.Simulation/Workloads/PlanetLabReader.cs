using Roost.Simulation.Input;

namespace Roost.Simulation.Workloads;

/// <summary>
/// Reads the PlanetLab (CoMon) format CloudSim ships: a folder with one file per VM, no header, one CPU percentage
/// per line at a fixed 300 s interval (288 lines for a day). CloudSim reads a line as <c>Integer.parseInt(line) / 100.0</c>;
/// this reader also accepts decimals, and rejects values outside 0..100.
/// </summary>
/// <remarks>
/// VM order is the file names sorted ordinally (byte order), or on request the listing order (<see cref="VmOrder"/>). CloudSim uses <c>File.listFiles()</c>, whose order is
/// the file system's directory order and is not portable; the ordinal sort is the reproducible stand-in
/// (docs/workloads.md). The order matters because CloudSim gives VM <c>i</c> a type by its index.
/// </remarks>
internal static class PlanetLabReader
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(300);

    /// <summary>Largest trace file read: 16 MiB is over 4 million samples, 40 years at 300 s (a day is 1 KiB).</summary>
    public const long MaxFileBytes = 16L << 20;

    public static Workload Read(string directory, VmOrder order = VmOrder.Name)
    {
        var files = TraceFolder.List(directory, order == VmOrder.Name ? StringComparer.Ordinal : null);
        var vms = new VmTrace[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var (open, display) = files[i];
            var cpu = ParseCpu(TraceFolder.ReadAllBytes(open, display, MaxFileBytes).Span, display);
            if (i > 0 && cpu.Length != vms[0].Length)
            {
                throw new WorkloadFormatException(
                    $"{display}: {cpu.Length} samples, but {files[0].Display} has {vms[0].Length}; every VM of a PlanetLab folder needs the same length");
            }

            vms[i] = new VmTrace(PrintableText.Escape(Path.GetFileName(open)), cpu);
        }

        return new Workload($"planetlab:{TraceFolder.LeafName(directory)}", Interval, vms);
    }

    /// <summary>One file's samples as fractions 0..1. <paramref name="display"/> names the file in errors.</summary>
    public static double[] ParseCpu(ReadOnlySpan<byte> text, string display)
    {
        // Blank lines at the end are not samples; a blank line anywhere else is an error.
        var body = text.TrimEnd(" \t\r\n"u8);
        var cpu = new double[TraceText.CountLines(body)];
        if (cpu.Length == 0)
        {
            throw new WorkloadFormatException($"{display}: empty trace (expected one CPU percentage per line)");
        }

        var rest = body;
        for (var i = 0; i < cpu.Length; i++)
        {
            var line = TraceText.NextLine(ref rest);
            if (!TraceText.TryParseNumber(line, out var percent))
            {
                throw new WorkloadFormatException($"{display}: line {i + 1}: {TraceText.Quote(line)} is not a CPU percentage");
            }

            if (percent is < 0 or > 100)
            {
                throw new WorkloadFormatException(
                    $"{display}: line {i + 1}: {TraceText.Quote(line)} is not a CPU percentage (must be 0 to 100)");
            }

            cpu[i] = percent / 100.0;
        }

        return cpu;
    }
}
