using System.Globalization;
using System.Text;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>PlanetLab folders (one CPU percentage per line per file), one file malformed or special.</summary>
public sealed class PlanetLabFuzzTarget : ReaderFuzzTarget
{
    public override string Name => "planetlab";

    public override FuzzCase Prepare(Random random, string scratch)
    {
        ArgumentNullException.ThrowIfNull(random);
        var (folder, description, bytes) = WorkloadFuzzing.Folder(random, scratch, ValidFile, 3);
        var order = random.Next(2) == 0 ? VmOrder.Name : VmOrder.Listing;
        return new FuzzCase(description, bytes, () => WorkloadFuzzing.Run(() => PlanetLabReader.Read(folder, order)));
    }

    private static (string, byte[]) ValidFile(Random random, int index)
    {
        var text = new StringBuilder();
        for (var i = 0; i < 288; i++)
        {
            text.Append(random.Next(10) == 0
                ? (random.Next(10_000) / 100.0).ToString(CultureInfo.InvariantCulture)
                : random.Next(101).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        return ($"node_{index}", WorkloadFuzzing.Utf8(text));
    }
}
