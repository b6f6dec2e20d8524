using System.Globalization;
using System.Text;
using System.Text.Json;
using Roost.Core.Model;
using Roost.Simulation.Input;

namespace Roost.Simulation.Scenarios;

/// <summary>
/// Reads the JSON scenario format of docs/scenarios.md. Every problem becomes a <see cref="ScenarioFormatException"/>
/// whose message names the file and the field (<c>swap.json: vms[1].phases[0].cpuCores: expected a number ≥ 0</c>).
/// Unknown fields are errors, so a misspelt field never silently takes its default. Every count and size has a
/// documented limit (docs/scenarios.md, "Limits"), so what a scenario makes Roost allocate is bounded by what it says,
/// and no value can overflow the arithmetic of the stepper.
/// </summary>
public static class ScenarioReader
{
    /// <summary>Largest scenario file read.</summary>
    public const long MaxFileBytes = 16L << 20;

    public const int MaxDurationSeconds = 7 * 86_400;

    public const int MaxMonitoringIntervalSeconds = 3_600;

    public const int MaxWindowLength = 1_000;

    public const int MaxHosts = 1_000;

    public const int MaxVms = 10_000;

    public const int MaxNameLength = 256;

    public const double MaxCpuCores = 4_096;

    /// <summary>16 TiB.</summary>
    public const double MaxMemoryMiB = 16 * 1024 * 1024;

    /// <summary>10 Tbit/s.</summary>
    public const double MaxNetworkMbps = 10_000_000;

    public const double MaxArrivalRatePerSecond = 1e9;

    public const double MaxSeconds = 1e6;

    public const double MaxCv = 100;

    private static readonly JsonDocumentOptions _documentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    private static readonly string[] _topFields =
        ["name", "description", "durationSeconds", "monitoringIntervalSeconds", "migrationBandwidthMbps", "windowLength", "hosts", "vms"];

    private static readonly string[] _hostFields = ["id", "name", "cpuCores", "memoryMiB", "networkMbps"];

    private static readonly string[] _vmFields = ["id", "name", "host", "cpuCores", "memoryMiB", "networkMbps", "guestStats", "phases"];

    private static readonly string[] _phaseFields = ["startSecond", "cpuCores", "networkMbps", "workingSetMiB", "application"];

    private static readonly string[] _applicationFields =
        ["arrivalRatePerSecond", "cpuSecondsPerRequest", "serviceCv", "interArrivalCv", "targetResponseSeconds"];

    public static Scenario ReadFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var source = PrintableText.Escape(path);
        return InputFile.Read(path, MaxFileBytes) switch
        {
            InputFileResult.Read read => Parse(read.Bytes, source),
            InputFileResult.Refused refused => throw new ScenarioFormatException($"{source}: {refused.Reason}"),
            _ => throw new InvalidOperationException("unreachable"),
        };
    }

    /// <param name="json">The scenario text.</param>
    /// <param name="source">The name errors use for the input (usually its path).</param>
    public static Scenario Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        return Parse(Encoding.UTF8.GetBytes(json), PrintableText.Escape(source));
    }

    /// <param name="utf8">The scenario as UTF-8, with or without a byte-order mark.</param>
    /// <param name="source">The name errors use for the input, printable.</param>
    private static Scenario Parse(ReadOnlyMemory<byte> utf8, string source)
    {
        if (utf8.Span.StartsWith(Encoding.UTF8.Preamble))
        {
            utf8 = utf8[Encoding.UTF8.Preamble.Length..];
        }

        // The JSON parser checks structure, not the bytes inside strings: a name with invalid UTF-8 would throw when read.
        if (FirstInvalidUtf8(utf8.Span) is { } invalid)
        {
            var line = utf8.Span[..invalid].Count((byte)'\n') + 1;
            throw new ScenarioFormatException(string.Create(CultureInfo.InvariantCulture, $"{source}: line {line}: not valid UTF-8 (byte {invalid})"));
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, _documentOptions);
        }
        catch (JsonException e)
        {
            throw new ScenarioFormatException($"{source}: line {e.LineNumber + 1}: not valid JSON: {PrintableText.Shorten(FirstSentence(e.Message), 200)}", e);
        }

        using (document)
        {
            return new Reader(source).ReadScenario(document.RootElement);
        }
    }

    /// <summary>The offset of the first byte that is not part of valid UTF-8, or null if every byte is.</summary>
    private static int? FirstInvalidUtf8(ReadOnlySpan<byte> utf8)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return null;
        }

        var offset = 0;
        while (Rune.DecodeFromUtf8(utf8[offset..], out _, out var length) == System.Buffers.OperationStatus.Done)
        {
            offset += length;
        }

        return offset;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..end];
    }

    private sealed class Reader(string source)
    {
        public Scenario ReadScenario(JsonElement root)
        {
            RequireObject(root, "(top level)", _topFields);
            var name = Name(root, "name", "name", required: true) ?? "";
            var description = String(root, "description", "description", required: false) ?? "";
            var duration = Integer(root, "durationSeconds", "durationSeconds", min: 1, max: MaxDurationSeconds, fallback: null);
            var interval = Integer(root, "monitoringIntervalSeconds", "monitoringIntervalSeconds", min: 1, max: MaxMonitoringIntervalSeconds, fallback: 5);
            var bandwidth = Number(root, "migrationBandwidthMbps", "migrationBandwidthMbps", positive: true, max: MaxNetworkMbps, fallback: 1000);
            var window = Integer(root, "windowLength", "windowLength", min: 1, max: MaxWindowLength, fallback: 12);

            var hosts = new List<ScenarioHost>();
            var hostIds = new HashSet<int>();
            var hostsElement = Array(root, "hosts", "hosts");
            if (hostsElement.GetArrayLength() is 0 or > MaxHosts)
            {
                throw Error("hosts", $"expected 1 to {MaxHosts} hosts, got {hostsElement.GetArrayLength()}");
            }

            var index = 0;
            foreach (var element in hostsElement.EnumerateArray())
            {
                var path = $"hosts[{index++}]";
                var host = ReadHost(element, path);
                if (!hostIds.Add(host.Id.Value))
                {
                    throw Error($"{path}.id", $"host id {host.Id.Value} is used twice");
                }

                hosts.Add(host);
            }

            var vms = new List<ScenarioVm>();
            var vmIds = new HashSet<int>();
            var vmsElement = Array(root, "vms", "vms");
            if (vmsElement.GetArrayLength() > MaxVms)
            {
                throw Error("vms", $"expected at most {MaxVms} VMs, got {vmsElement.GetArrayLength()}");
            }

            index = 0;
            foreach (var element in vmsElement.EnumerateArray())
            {
                var path = $"vms[{index++}]";
                var vm = ReadVm(element, path, hostIds);
                if (!vmIds.Add(vm.Id.Value))
                {
                    throw Error($"{path}.id", $"VM id {vm.Id.Value} is used twice");
                }

                if (vm.Phases[^1].StartSecond >= duration)
                {
                    throw Error($"{path}.phases", $"a phase starts at second {vm.Phases[^1].StartSecond}, after the scenario ends ({duration} s)");
                }

                vms.Add(vm);
            }

            return new Scenario(
                name,
                description,
                TimeSpan.FromSeconds(duration),
                TimeSpan.FromSeconds(interval),
                bandwidth,
                window,
                hosts,
                vms);
        }

        private ScenarioHost ReadHost(JsonElement element, string path)
        {
            RequireObject(element, path, _hostFields);
            var id = Integer(element, "id", $"{path}.id", min: 0, max: int.MaxValue, fallback: null);
            var name = Name(element, "name", $"{path}.name", required: false) ?? $"host-{id}";
            return new ScenarioHost(new HostId(id), name, Capacity(element, path));
        }

        private ResourceVector Capacity(JsonElement element, string path) => new(
            Number(element, "cpuCores", $"{path}.cpuCores", positive: true, max: MaxCpuCores, fallback: null),
            Number(element, "memoryMiB", $"{path}.memoryMiB", positive: true, max: MaxMemoryMiB, fallback: null),
            Number(element, "networkMbps", $"{path}.networkMbps", positive: true, max: MaxNetworkMbps, fallback: null));

        private ScenarioVm ReadVm(JsonElement element, string path, HashSet<int> hostIds)
        {
            RequireObject(element, path, _vmFields);
            var id = Integer(element, "id", $"{path}.id", min: 0, max: int.MaxValue, fallback: null);
            var name = Name(element, "name", $"{path}.name", required: false) ?? $"vm-{id}";
            var host = Integer(element, "host", $"{path}.host", min: 0, max: int.MaxValue, fallback: null);
            if (!hostIds.Contains(host))
            {
                throw Error($"{path}.host", $"no host has id {host}");
            }

            var allocation = Capacity(element, path);
            var guestStats = false;
            if (element.TryGetProperty("guestStats", out var flag))
            {
                guestStats = flag.ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw Error($"{path}.guestStats", $"expected true or false, got {Show(flag)}"),
                };
            }

            var phases = new List<LoadPhase>();
            var previous = new LoadPhase(0, 0, 0, allocation.MemoryMiB / 2, null);
            var index = 0;
            foreach (var phaseElement in Array(element, "phases", $"{path}.phases").EnumerateArray())
            {
                var phasePath = $"{path}.phases[{index++}]";
                var phase = ReadPhase(phaseElement, phasePath, previous, first: phases.Count == 0);
                if (phases.Count == 0 && phase.StartSecond != 0)
                {
                    throw Error($"{phasePath}.startSecond", "the first phase must start at second 0");
                }

                if (phases.Count > 0 && phase.StartSecond <= previous.StartSecond)
                {
                    throw Error($"{phasePath}.startSecond", $"phases must start in increasing order; {phase.StartSecond} follows {previous.StartSecond}");
                }

                phases.Add(phase);
                previous = phase;
            }

            if (phases.Count == 0)
            {
                throw Error($"{path}.phases", "expected at least one phase");
            }

            return new ScenarioVm(new VmId(id), name, new HostId(host), allocation, guestStats, phases);
        }

        /// <summary>Fields a later phase omits keep the previous phase's value.</summary>
        private LoadPhase ReadPhase(JsonElement element, string path, LoadPhase previous, bool first)
        {
            RequireObject(element, path, _phaseFields);
            var start = Integer(element, "startSecond", $"{path}.startSecond", min: 0, max: int.MaxValue, fallback: null);
            var cpu = Number(element, "cpuCores", $"{path}.cpuCores", positive: false, max: MaxCpuCores, fallback: first ? null : previous.CpuCores);
            var network = Number(element, "networkMbps", $"{path}.networkMbps", positive: false, max: MaxNetworkMbps, fallback: previous.NetworkMbps);
            var workingSet = Number(element, "workingSetMiB", $"{path}.workingSetMiB", positive: false, max: MaxMemoryMiB, fallback: previous.WorkingSetMiB);
            var application = previous.Application;
            if (element.TryGetProperty("application", out var app))
            {
                application = app.ValueKind == JsonValueKind.Null ? null : ReadApplication(app, $"{path}.application");
            }

            return new LoadPhase(start, cpu, network, workingSet, application);
        }

        private ApplicationProfile ReadApplication(JsonElement element, string path)
        {
            RequireObject(element, path, _applicationFields);
            return new ApplicationProfile(
                Number(element, "arrivalRatePerSecond", $"{path}.arrivalRatePerSecond", positive: false, max: MaxArrivalRatePerSecond, fallback: null),
                Number(element, "cpuSecondsPerRequest", $"{path}.cpuSecondsPerRequest", positive: true, max: MaxSeconds, fallback: null),
                Number(element, "serviceCv", $"{path}.serviceCv", positive: false, max: MaxCv, fallback: 1),
                Number(element, "interArrivalCv", $"{path}.interArrivalCv", positive: false, max: MaxCv, fallback: 1),
                Number(element, "targetResponseSeconds", $"{path}.targetResponseSeconds", positive: true, max: MaxSeconds, fallback: null));
        }

        private void RequireObject(JsonElement element, string path, string[] allowed)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error(path, $"expected an object, got {Show(element)}");
            }

            foreach (var property in element.EnumerateObject())
            {
                if (!allowed.Contains(property.Name, StringComparer.Ordinal))
                {
                    var prefix = path == "(top level)" ? "" : path + ".";
                    throw Error(prefix + PrintableText.Shorten(property.Name), $"unknown field (expected one of: {string.Join(", ", allowed)})");
                }
            }
        }

        private JsonElement Array(JsonElement parent, string field, string path)
        {
            if (!parent.TryGetProperty(field, out var element))
            {
                throw Error(path, "missing");
            }

            return element.ValueKind == JsonValueKind.Array ? element : throw Error(path, $"expected an array, got {Show(element)}");
        }

        private string? String(JsonElement parent, string field, string path, bool required)
        {
            if (!parent.TryGetProperty(field, out var element))
            {
                return required ? throw Error(path, "missing") : null;
            }

            return element.ValueKind == JsonValueKind.String ? element.GetString() : throw Error(path, $"expected a string, got {Show(element)}");
        }

        /// <summary>A name shown in output: a string of at most <see cref="MaxNameLength"/> printable characters.</summary>
        private string? Name(JsonElement parent, string field, string path, bool required)
        {
            var name = String(parent, field, path, required);
            if (name is null)
            {
                return null;
            }

            if (name.Length > MaxNameLength)
            {
                throw Error(path, $"expected a name of at most {MaxNameLength} characters, got {name.Length}");
            }

            return PrintableText.FirstUnsafe(name) is { } unsafeCharacter
                ? throw Error(path, $"a name may not hold control characters; found {unsafeCharacter}")
                : name;
        }

        private int Integer(JsonElement parent, string field, string path, int min, int max, int? fallback)
        {
            if (!parent.TryGetProperty(field, out var element))
            {
                return fallback ?? throw Error(path, "missing");
            }

            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var value) || value < min || value > max)
            {
                throw Error(path, max == int.MaxValue
                    ? $"expected a whole number ≥ {min}, got {Show(element)}"
                    : $"expected a whole number from {min} to {max}, got {Show(element)}");
            }

            return value;
        }

        private double Number(JsonElement parent, string field, string path, bool positive, double max, double? fallback)
        {
            if (!parent.TryGetProperty(field, out var element))
            {
                return fallback ?? throw Error(path, "missing");
            }

            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value)
                || value < 0 || (positive && value == 0) || value > max)
            {
                throw Error(path, $"expected a number {(positive ? "> 0" : "≥ 0")} and ≤ {max}, got {Show(element)}");
            }

            return value;
        }

        private static string Show(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => $"\"{PrintableText.Shorten(element.GetString() ?? "")}\"",
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => PrintableText.Shorten(element.GetRawText()),
        };


        private ScenarioFormatException Error(string path, string problem) =>
            new(string.Create(CultureInfo.InvariantCulture, $"{source}: {path}: {problem}"));
    }
}
