using System.Globalization;
using System.Text;
using Roost.Simulation.Workloads;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>Roost's generic CSV workload files, malformed or special, read directly and through <c>csv:FILE</c>.</summary>
public sealed class CsvFuzzTarget : ReaderFuzzTarget
{
    public override string Name => "csv";

    public override FuzzCase Prepare(Random random, string scratch)
    {
        ArgumentNullException.ThrowIfNull(random);
        var path = Path.Join(scratch, "workload.csv");
        string description;
        long bytes = 0;
        if (random.Next(100) < 8)
        {
            description = $"workload.csv is a {SpecialFile.Make(random, path)}";
        }
        else
        {
            var contents = InputMutator.Mutate(random, ValidFile(random));
            File.WriteAllBytes(path, contents);
            bytes = contents.Length;
            description = $"mutated ({bytes} bytes)";
        }

        Func<Workload> read = random.Next(2) == 0 ? () => CsvWorkloadReader.Read(path) : () => WorkloadSource.Load($"csv:{path}");
        return new FuzzCase(description, bytes, () => WorkloadFuzzing.Run(read));
    }

    private static byte[] ValidFile(Random random)
    {
        var inv = CultureInfo.InvariantCulture;
        var columns = random.Next(4);
        var text = new StringBuilder("vm,time_s,cpu_percent");
        text.Append((columns & 1) != 0 ? ",memory_percent" : "").Append((columns & 2) != 0 ? ",network_kbps" : "").Append('\n');
        var interval = new[] { 1, 60, 300, 3600 }[random.Next(4)];
        var rows = new List<string>();
        for (var vm = 0; vm < 1 + random.Next(4); vm++)
        {
            var samples = 2 + random.Next(48);
            for (var t = 0; t < samples; t++)
            {
                var row = new StringBuilder().Append(inv, $"vm-{vm},{t * interval},{random.Next(101)}");
                row.Append((columns & 1) != 0 ? string.Create(inv, $",{random.NextDouble() * 100:0.##}") : "");
                row.Append((columns & 2) != 0 ? string.Create(inv, $",{random.NextDouble() * 1000:0.#}") : "");
                rows.Add(row.ToString());
            }
        }

        foreach (var row in rows.OrderBy(_ => random.Next()))
        {
            text.Append(row).Append('\n');
        }

        return WorkloadFuzzing.Utf8(text);
    }
}
