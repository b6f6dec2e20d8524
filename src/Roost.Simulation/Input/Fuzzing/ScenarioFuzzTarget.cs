using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Roost.Core.Balancing;
using Roost.Simulation.Scenarios;

namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// Scenario files (docs/scenarios.md): seeded valid scenarios, then a field replaced by a hostile value (huge,
/// negative, NaN-like, overflowing, control characters, deep nesting, a long string or array), a field dropped or
/// added, or the text mutated byte-wise; or the path is a special file. Accepted scenarios are also stepped (up to
/// <see cref="StepsOfAccepted"/> seconds, both provisioners), since the stepper is what a value that reads but cannot
/// be computed with would break.
/// </summary>
public sealed class ScenarioFuzzTarget : ReaderFuzzTarget
{
    public const int StepsOfAccepted = 120;

    private const string DeepMarker = "deep-nesting-here";

    private static readonly string[] _hostileJson =
    [
        "1e308", "1e999", "-1e999", "-1", "0", "-0", "2147483647", "2147483648", "9223372036854775808", "1e-320",
        "4.9e-324", "123456789012345678901234567890", "0.5", "604800", "604801", "1000", "1001", "100000", "null", "true",
        "\"NaN\"", "\"Infinity\"", "\"12\"", "[]", "{}", "[1,2,3]", "\"\\u001b[2J\\u001b]0;pwned\\u0007\"", "\"\\u202eevil\"",
        "\"a\\nb\"", "\"\\u0000\"",
    ];

    public override string Name => "scenario";

    public override FuzzCase Prepare(Random random, string scratch)
    {
        ArgumentNullException.ThrowIfNull(random);
        var path = Path.Join(scratch, "scenario.json");
        string description;
        long bytes = 0;
        var roll = random.Next(100);
        if (roll < 8)
        {
            description = $"scenario.json is a {SpecialFile.Make(random, path)}";
        }
        else
        {
            var valid = ValidScenario(random);
            byte[] contents;
            if (roll < 10)
            {
                contents = Encoding.UTF8.GetBytes(valid);
                description = "valid";
            }
            else if (roll < 60)
            {
                (contents, description) = MutateStructure(random, valid);
            }
            else
            {
                contents = InputMutator.Mutate(random, Encoding.UTF8.GetBytes(valid));
                description = "text mutated";
            }

            File.WriteAllBytes(path, contents);
            bytes = contents.Length;
        }

        return new FuzzCase(WorkloadFuzzing.Printable(description), bytes, () => Run(path));
    }

    /// <summary>
    /// The reader's allocation plus the stepper's: each host or VM (at least 40 bytes of JSON) keeps four windows of
    /// up to 1,000 samples while stepped.
    /// </summary>
    public override long AllocationBound(long inputBytes) => (1024 * inputBytes) + AllocationSlackBytes;

    private static FuzzOutcome Run(string path)
    {
        Scenario scenario;
        try
        {
            scenario = ScenarioReader.ReadFile(path);
        }
        catch (ScenarioFormatException e)
        {
            return new FuzzOutcome.Rejected(e.Message);
        }

        if (PrintableText.HasUnsafe(scenario.Name) || scenario.Hosts.Any(h => PrintableText.HasUnsafe(h.Name))
            || scenario.Vms.Any(v => PrintableText.HasUnsafe(v.Name)))
        {
            return new FuzzOutcome.Accepted("a name holds control characters");
        }

        foreach (var engine in new[] { SandpiperEngine.BlackBox(), SandpiperEngine.GrayBox() })
        {
            var stepper = new ScenarioStepper(scenario, engine);
            for (var s = 0; s < StepsOfAccepted && stepper.Step(); s++)
            {
            }

            var metrics = stepper.Result().Metrics;
            if (!double.IsFinite(metrics.MigrationsPerHotspot))
            {
                return new FuzzOutcome.Accepted($"migrations per hotspot is {metrics.MigrationsPerHotspot}");
            }
        }

        return new FuzzOutcome.Accepted(null);
    }

    /// <summary>A random scenario the reader accepts: 1–4 hosts, 1–6 VMs, 1–3 phases, sometimes applications.</summary>
    public static string ValidScenario(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var inv = CultureInfo.InvariantCulture;
        var duration = 30 + random.Next(300);
        var hosts = new JsonArray();
        var hostCount = 1 + random.Next(4);
        for (var h = 1; h <= hostCount; h++)
        {
            hosts.Add(new JsonObject { ["id"] = h, ["name"] = $"pm{h}", ["cpuCores"] = 4, ["memoryMiB"] = 4096, ["networkMbps"] = 1000 });
        }

        var vms = new JsonArray();
        for (var v = 1; v <= 1 + random.Next(6); v++)
        {
            var phases = new JsonArray();
            var start = 0;
            for (var p = 0; p < 1 + random.Next(3) && start < duration; p++)
            {
                var phase = new JsonObject { ["startSecond"] = start, ["cpuCores"] = Math.Round(random.NextDouble() * 3, 2) };
                if (p == 0)
                {
                    phase["networkMbps"] = random.Next(100);
                    phase["workingSetMiB"] = random.Next(1200);
                }

                if (random.Next(3) == 0)
                {
                    phase["application"] = new JsonObject
                    {
                        ["arrivalRatePerSecond"] = random.Next(100),
                        ["cpuSecondsPerRequest"] = 0.01 + Math.Round(random.NextDouble() / 10, 3),
                        ["targetResponseSeconds"] = 0.5,
                    };
                }

                phases.Add(phase);
                start += 1 + random.Next(duration / 2);
            }

            vms.Add(new JsonObject
            {
                ["id"] = v,
                ["name"] = string.Create(inv, $"vm{v}"),
                ["host"] = 1 + random.Next(hostCount),
                ["cpuCores"] = 2,
                ["memoryMiB"] = 256 * (1 + random.Next(4)),
                ["networkMbps"] = 1000,
                ["guestStats"] = random.Next(2) == 0,
                ["phases"] = phases,
            });
        }

        var root = new JsonObject
        {
            ["name"] = "fuzz",
            ["description"] = "seeded",
            ["durationSeconds"] = duration,
            ["monitoringIntervalSeconds"] = 1 + random.Next(10),
            ["migrationBandwidthMbps"] = 100 + random.Next(1000),
            ["windowLength"] = 2 + random.Next(20),
            ["hosts"] = hosts,
            ["vms"] = vms,
        };
        return root.ToJsonString();
    }

    private static (byte[] Contents, string Description) MutateStructure(Random random, string valid)
    {
        var root = JsonNode.Parse(valid) ?? throw new InvalidOperationException("the valid scenario is not JSON");
        var slots = new List<(JsonNode Parent, string? Property, int Index)>();
        Collect(root, slots);
        var (parent, property, index) = slots[random.Next(slots.Count)];
        var where = property ?? $"[{index}]";
        var description = "";
        switch (random.Next(6))
        {
            case 0 when property is not null:
                parent.AsObject().Remove(property);
                description = $"dropped {where}";
                break;
            case 1 when parent is JsonObject added:
                added[$"extra{random.Next(10)}"] = 1;
                description = $"unknown field beside {where}";
                break;
            case 2:
                // Written as text: the serializer refuses to nest deeper than 64, which is the point.
                Set(parent, property, index, JsonValue.Create(DeepMarker));
                var depth = 1 + random.Next(300);
                return (Encoding.UTF8.GetBytes(root.ToJsonString().Replace($"\"{DeepMarker}\"", Deep(depth), StringComparison.Ordinal)), $"nesting {depth} deep at {where}");
            case 3:
                Set(parent, property, index, JsonValue.Create(new string('x', 1 << random.Next(8, 20))));
                description = $"long string at {where}";
                break;
            case 4 when parent is JsonArray array && index < array.Count:
                var copies = 1 + random.Next(2000);
                for (var i = 0; i < copies; i++)
                {
                    array.Add(array[index]?.DeepClone());
                }

                description = $"{copies} copies of {where}";
                break;
            default:
                var value = _hostileJson[random.Next(_hostileJson.Length)];
                Set(parent, property, index, JsonNode.Parse(value));
                description = $"{where} = {value}";
                break;
        }

        return (Encoding.UTF8.GetBytes(root.ToJsonString()), description);
    }

    private static string Deep(int depth) => new string('[', depth) + new string(']', depth);

    private static void Collect(JsonNode node, List<(JsonNode, string?, int)> slots)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    slots.Add((obj, name, 0));
                    if (child is not null)
                    {
                        Collect(child, slots);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    slots.Add((array, null, i));
                    if (array[i] is { } child)
                    {
                        Collect(child, slots);
                    }
                }

                break;
        }
    }

    private static void Set(JsonNode parent, string? property, int index, JsonNode? value)
    {
        if (property is not null)
        {
            parent.AsObject()[property] = value;
        }
        else
        {
            parent.AsArray()[index] = value;
        }
    }
}
