using System.Globalization;
using System.Text;
using System.Text.Json;
using Roost.Core.Model;
using Roost.Core.Power;
using Roost.Simulation.Input;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// Reads the JSON hardware file of docs/hardware.md: host types (cores, MIPS per core, memory, bandwidth, a linear or
/// SPECpower model), how many hosts, VM types and which VM takes which type. Every problem is a
/// <see cref="HardwareFormatException"/> naming the file and the field; unknown and repeated fields are errors, every
/// number is finite and within a documented range, and at most <see cref="MaxFileBytes"/> are read.
/// </summary>
public static class HardwareReader
{
    public const long MaxFileBytes = 1L << 20;

    public const int MaxHosts = 1_000_000;

    public const int MaxTypes = 64;

    public const int MaxCores = 4_096;

    /// <summary>MIPS of one core: 1 GIPS per MHz would be 10 THz.</summary>
    public const double MaxMipsPerCore = 10_000_000;

    /// <summary>16 TiB.</summary>
    public const int MaxMemoryMiB = 16 * 1024 * 1024;

    /// <summary>10 Tbit/s.</summary>
    public const double MaxBandwidthMbps = 10_000_000;

    public const double MaxWatts = 1_000_000;

    public const int MaxNameLength = 256;

    public const int MaxNamedVms = 1_000_000;

    private static readonly JsonDocumentOptions _documentOptions = new() { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 8 };

    private static readonly string[] _topFields = ["hosts", "hostTypes", "vmTypes", "vmTypeOf", "useTraceShapes"];

    private static readonly string[] _hostTypeFields = ["name", "cores", "mipsPerCore", "memoryMiB", "bandwidthMbps", "power"];

    private static readonly string[] _powerFields = ["idleWatts", "maxWatts", "wattsAtTenths"];

    private static readonly string[] _vmTypeFields = ["name", "cores", "mipsPerCore", "memoryMiB", "bandwidthMbps"];

    /// <summary>
    /// The setup a hardware file describes, over <paramref name="schedulingInterval"/> and <paramref name="duration"/>,
    /// with <paramref name="seed"/>.
    /// </summary>
    public static DataCenterSetup ReadFile(string path, TimeSpan schedulingInterval, TimeSpan duration, int seed)
    {
        ArgumentNullException.ThrowIfNull(path);
        var source = PrintableText.Escape(path);
        return InputFile.Read(path, MaxFileBytes) switch
        {
            InputFileResult.Read read => Parse(read.Bytes, source, schedulingInterval, duration, seed),
            InputFileResult.Refused refused => throw new HardwareFormatException($"{source}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    /// <param name="json">The file's text.</param>
    /// <param name="source">The name errors use for the input.</param>
    /// <param name="schedulingInterval">The workload's sampling interval.</param>
    /// <param name="duration">How long to simulate.</param>
    /// <param name="seed">Seed for random VM selection.</param>
    public static DataCenterSetup Parse(string json, string source, TimeSpan schedulingInterval, TimeSpan duration, int seed)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        return Parse(Encoding.UTF8.GetBytes(json), PrintableText.Escape(source), schedulingInterval, duration, seed);
    }

    private static DataCenterSetup Parse(ReadOnlyMemory<byte> utf8, string source, TimeSpan schedulingInterval, TimeSpan duration, int seed)
    {
        if (utf8.Span.StartsWith(Encoding.UTF8.Preamble))
        {
            utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        }

        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
        {
            throw new HardwareFormatException($"{source}: not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, _documentOptions);
        }
        catch (JsonException e)
        {
            var message = e.Message;
            var end = message.IndexOf(". ", StringComparison.Ordinal);
            throw new HardwareFormatException(
                string.Create(CultureInfo.InvariantCulture, $"{source}: line {e.LineNumber + 1}: not valid JSON: {PrintableText.Shorten(end < 0 ? message : message[..end], 200)}"), e);
        }

        using (document)
        {
            return new Reader(source).Read(document.RootElement, schedulingInterval, duration, seed);
        }
    }

    private sealed class Reader(string source)
    {
        public DataCenterSetup Read(JsonElement root, TimeSpan schedulingInterval, TimeSpan duration, int seed)
        {
            RequireObject(root, "(top level)", _topFields);
            var hosts = Integer(root, "hosts", "hosts", 1, MaxHosts);
            var hostTypes = new List<HostType>();
            foreach (var (element, path) in Items(root, "hostTypes", required: true))
            {
                hostTypes.Add(ReadHostType(element, path));
            }

            var vmTypes = new List<VmType>();
            foreach (var (element, path) in Items(root, "vmTypes", required: false))
            {
                vmTypes.Add(ReadVmType(element, path));
            }

            RequireDistinct(hostTypes.Select(t => t.Name).ToList(), "hostTypes");
            RequireDistinct(vmTypes.Select(t => t.Name).ToList(), "vmTypes");
            var typeOf = ReadVmTypeOf(root, vmTypes);
            var useShapes = root.TryGetProperty("useTraceShapes", out var shapes)
                ? shapes.ValueKind is JsonValueKind.True or JsonValueKind.False
                    ? shapes.GetBoolean()
                    : throw Error("useTraceShapes", "expected true or false")
                : vmTypes.Count == 0;
            if (vmTypes.Count == 0 && !useShapes)
            {
                throw Error("vmTypes", "expected at least one VM type when useTraceShapes is false");
            }

            return new DataCenterSetup(hosts, hostTypes, vmTypes.Count > 0 ? vmTypes : VmType.CloudSimTypes, schedulingInterval, duration, seed)
            {
                UseTraceShapes = useShapes,
                VmTypeByName = typeOf,
            };
        }

        private HostType ReadHostType(JsonElement element, string path)
        {
            RequireObject(element, path, _hostTypeFields);
            var name = Name(element, path);
            var (cores, mips, memory, bandwidth) = Shape(element, path);
            var power = ReadPower(Property(element, "power", $"{path}.power"), $"{path}.power", name);
            return new HostType(name, cores, mips, memory, bandwidth, power);
        }

        private IPowerModel ReadPower(JsonElement element, string path, string hostName)
        {
            RequireObject(element, path, _powerFields);
            if (element.TryGetProperty("wattsAtTenths", out var table))
            {
                if (element.TryGetProperty("idleWatts", out _) || element.TryGetProperty("maxWatts", out _))
                {
                    throw Error(path, "give either wattsAtTenths (a SPECpower table) or idleWatts and maxWatts (a linear model), not both");
                }

                if (table.ValueKind != JsonValueKind.Array || table.GetArrayLength() != 11)
                {
                    throw Error($"{path}.wattsAtTenths", "expected 11 numbers: watts at 0 %, 10 %, …, 100 % load");
                }

                var watts = new double[11];
                var i = 0;
                foreach (var value in table.EnumerateArray())
                {
                    watts[i] = NumberValue(value, $"{path}.wattsAtTenths[{i}]", MaxWatts, allowZero: true);
                    if (i > 0 && watts[i] < watts[i - 1])
                    {
                        throw Error($"{path}.wattsAtTenths[{i}]", "a host draws no less power under more load: the table must not decrease");
                    }

                    i++;
                }

                return new SpecPowerModel(hostName, watts);
            }

            var idle = NumberValue(Property(element, "idleWatts", $"{path}.idleWatts"), $"{path}.idleWatts", MaxWatts, allowZero: true);
            var max = NumberValue(Property(element, "maxWatts", $"{path}.maxWatts"), $"{path}.maxWatts", MaxWatts, allowZero: false);
            return idle <= max
                ? new LinearPowerModel(max, idle / max)
                : throw Error($"{path}.idleWatts", string.Create(CultureInfo.InvariantCulture, $"{idle} W idle is more than {max} W at full load"));
        }

        private VmType ReadVmType(JsonElement element, string path)
        {
            RequireObject(element, path, _vmTypeFields);
            var name = Name(element, path);
            var (cores, mips, memory, bandwidth) = Shape(element, path);
            return new VmType(name, mips, cores, memory, bandwidth);
        }

        /// <summary>The fields host and VM types share, read in this order (so the first bad one is reported).</summary>
        private (int Cores, double MipsPerCore, int MemoryMiB, double BandwidthMbps) Shape(JsonElement element, string path) => (
            Integer(element, "cores", $"{path}.cores", 1, MaxCores),
            Number(element, "mipsPerCore", $"{path}.mipsPerCore", MaxMipsPerCore),
            Integer(element, "memoryMiB", $"{path}.memoryMiB", 1, MaxMemoryMiB),
            Number(element, "bandwidthMbps", $"{path}.bandwidthMbps", MaxBandwidthMbps));

        private Dictionary<string, int>? ReadVmTypeOf(JsonElement root, List<VmType> vmTypes)
        {
            if (!root.TryGetProperty("vmTypeOf", out var map))
            {
                return null;
            }

            if (map.ValueKind != JsonValueKind.Object)
            {
                throw Error("vmTypeOf", "expected an object mapping VM names to VM type names");
            }

            var typeIndex = vmTypes.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
            var result = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                var path = $"vmTypeOf.{PrintableText.Shorten(entry.Name, 80)}";
                if (result.Count >= MaxNamedVms)
                {
                    throw Error("vmTypeOf", string.Create(CultureInfo.InvariantCulture, $"expected at most {MaxNamedVms} VMs"));
                }

                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw Error(path, "expected the name of a VM type");
                }

                var type = entry.Value.GetString() ?? string.Empty;
                if (!typeIndex.TryGetValue(type, out var index))
                {
                    throw Error(path, $"'{PrintableText.Shorten(type, 80)}' is not one of vmTypes' names");
                }

                if (!result.TryAdd(entry.Name, index))
                {
                    throw Error(path, "this VM is named twice");
                }
            }

            return result;
        }

        private List<(JsonElement Element, string Path)> Items(JsonElement root, string name, bool required)
        {
            if (!root.TryGetProperty(name, out var array))
            {
                return required ? throw Error(name, "missing") : [];
            }

            if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() is 0 or > MaxTypes)
            {
                throw Error(name, string.Create(CultureInfo.InvariantCulture, $"expected an array of 1 to {MaxTypes} types"));
            }

            return array.EnumerateArray().Select((e, i) => (Element: e, Path: string.Create(CultureInfo.InvariantCulture, $"{name}[{i}]"))).ToList();
        }

        private void RequireDistinct(List<string> names, string path)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < names.Count; i++)
            {
                if (!seen.Add(names[i]))
                {
                    throw Error(string.Create(CultureInfo.InvariantCulture, $"{path}[{i}].name"), $"'{names[i]}' is used twice");
                }
            }
        }

        private void RequireObject(JsonElement element, string path, string[] fields)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error(path, "expected an object");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var at = path == "(top level)" ? property.Name : $"{path}.{property.Name}";
                if (!fields.Contains(property.Name, StringComparer.Ordinal))
                {
                    throw Error(PrintableText.Shorten(at, 120), $"unknown field; expected one of {string.Join(", ", fields)}");
                }

                if (!seen.Add(property.Name))
                {
                    throw Error(at, "given twice");
                }
            }
        }

        private JsonElement Property(JsonElement element, string name, string path) =>
            element.TryGetProperty(name, out var value) ? value : throw Error(path, "missing");

        private string Name(JsonElement element, string path)
        {
            var value = Property(element, "name", $"{path}.name");
            var name = value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : throw Error($"{path}.name", "expected a string");
            return name.Length is > 0 and <= MaxNameLength && PrintableText.Escape(name) == name
                ? name
                : throw Error($"{path}.name", string.Create(CultureInfo.InvariantCulture, $"expected 1 to {MaxNameLength} printable characters"));
        }

        private int Integer(JsonElement element, string name, string path, int min, int max)
        {
            var value = Property(element, name, path);
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max
                ? number
                : throw Error(path, string.Create(CultureInfo.InvariantCulture, $"expected a whole number from {min} to {max}, got {Shown(value)}"));
        }

        private double Number(JsonElement element, string name, string path, double max) =>
            NumberValue(Property(element, name, path), path, max, allowZero: false);

        private double NumberValue(JsonElement value, string path, double max, bool allowZero)
        {
            var low = allowZero ? "from 0" : "above 0";
            return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)
                && (allowZero ? number >= 0 : number > 0) && number <= max
                ? number
                : throw Error(path, string.Create(CultureInfo.InvariantCulture, $"expected a number {low} to {max}, got {Shown(value)}"));
        }

        private static string Shown(JsonElement value) => PrintableText.Shorten(value.GetRawText(), 40);

        private HardwareFormatException Error(string path, string message) => new($"{source}: {path}: {message}");
    }
}
