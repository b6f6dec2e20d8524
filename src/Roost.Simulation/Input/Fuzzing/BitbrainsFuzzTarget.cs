using System.Globalization;
using System.Text;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>Bitbrains GWA-T-12 folders (header and 11 ';'-separated columns), one file malformed or special.</summary>
public sealed class BitbrainsFuzzTarget : ReaderFuzzTarget
{
    private const string Header = "Timestamp [ms];\tCPU cores;\tCPU capacity provisioned [MHZ];\tCPU usage [MHZ];\tCPU usage [%];\t"
        + "Memory capacity provisioned [KB];\tMemory usage [KB];\tDisk read throughput [KB/s];\tDisk write throughput [KB/s];\t"
        + "Network received throughput [KB/s];\tNetwork transmitted throughput [KB/s]";

    public override string Name => "bitbrains";

    public override FuzzCase Prepare(Random random, string scratch)
    {
        ArgumentNullException.ThrowIfNull(random);
        var (folder, description, bytes) = WorkloadFuzzing.Folder(random, scratch, ValidFile, 2);
        return new FuzzCase(description, bytes, () => WorkloadFuzzing.Run(() => BitbrainsReader.Read(folder)));
    }

    private static (string, byte[]) ValidFile(Random random, int index)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder(Header).Append('\n');
        var cores = 1 + random.Next(8);
        var capacity = cores * 2926.0;
        var memory = (1 + random.Next(16)) * 1_048_576.0;
        var time = 1_376_314_846L + random.Next(1000);
        var rows = 24 + random.Next(265);
        for (var r = 0; r < rows; r++)
        {
            time += 299 + random.Next(3) + (random.Next(100) == 0 ? 300 : 0);
            var percent = random.NextDouble() * 100;
            text.Append(inv, $"{time};\t{cores};\t{capacity:0.###};\t{capacity * percent / 100:0.###};\t{percent:0.###};\t")
                .Append(inv, $"{memory:0};\t{memory * random.NextDouble():0.###};\t{random.NextDouble() * 50:0.###};\t{random.NextDouble() * 50:0.###};\t")
                .Append(inv, $"{random.NextDouble() * 10:0.###};\t{random.NextDouble() * 10:0.###}\n");
        }

        return ($"{index + 1}.csv", WorkloadFuzzing.Utf8(text));
    }
}
