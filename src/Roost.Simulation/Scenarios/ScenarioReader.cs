using System.Globalization;
using System.Text.Json;
using Roost.Core.Model;

namespace Roost.Simulation.Scenarios;

/// <summary>
/// Reads the JSON scenario format of docs/scenarios.md. Every problem becomes a <see cref="ScenarioFormatException"/>
/// whose message names the file and the field (<c>swap.json: vms[1].phases[0].cpuCores: expected a number ≥ 0</c>).
/// Unknown fields are errors, so a misspelt field never silently takes its default.
/// </summary>
public static class ScenarioReader
{
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
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScenarioFormatException($"{path}: cannot read: {e.Message}", e);
        }

        return Parse(text, path);
    }

    /// <param name="json">The scenario text.</param>
    /// <param name="source">The name errors use for the input (usually its path).</param>
    public static Scenario Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, _documentOptions);
        }
        catch (JsonException e)
        {
            throw new ScenarioFormatException($"{source}: line {e.LineNumber + 1}: not valid JSON: {FirstSentence(e.Message)}", e);
        }

        using (document)
        {
            return new Reader(source).ReadScenario(document.RootElement);
        }
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
            var name = String(root, "name", "name", required: true) ?? "";
            var description = String(root, "description", "description", required: false) ?? "";
            var duration = Integer(root, "durationSeconds", "durationSeconds", min: 1, fallback: null);
            var interval = Integer(root, "monitoringIntervalSeconds", "monitoringIntervalSeconds", min: 1, fallback: 5);
            var bandwidth = Number(root, "migrationBandwidthMbps", "migrationBandwidthMbps", positive: true, fallback: 1000);
            var window = Integer(root, "windowLength", "windowLength", min: 1, fallback: 12);

            var hosts = new List<ScenarioHost>();
            var hostsElement = Array(root, "hosts", "hosts");
            if (hostsElement.GetArrayLength() == 0)
            {
                throw Error("hosts", "expected at least one host");
            }

            var index = 0;
            foreach (var element in hostsElement.EnumerateArray())
            {
                var path = $"hosts[{index++}]";
                var host = ReadHost(element, path);
                if (hosts.Any(h => h.Id == host.Id))
                {
                    throw Error($"{path}.id", $"host id {host.Id.Value} is used twice");
                }

                hosts.Add(host);
            }

            var vms = new List<ScenarioVm>();
            index = 0;
            foreach (var element in Array(root, "vms", "vms").EnumerateArray())
            {
                var path = $"vms[{index++}]";
                var vm = ReadVm(element, path, hosts);
                if (vms.Any(v => v.Id == vm.Id))
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
            var id = Integer(element, "id", $"{path}.id", min: 0, fallback: null);
            var name = String(element, "name", $"{path}.name", required: false) ?? $"host-{id}";
            var capacity = new ResourceVector(
                Number(element, "cpuCores", $"{path}.cpuCores", positive: true, fallback: null),
                Number(element, "memoryMiB", $"{path}.memoryMiB", positive: true, fallback: null),
                Number(element, "networkMbps", $"{path}.networkMbps", positive: true, fallback: null));
            return new ScenarioHost(new HostId(id), name, capacity);
        }

        private ScenarioVm ReadVm(JsonElement element, string path, List<ScenarioHost> hosts)
        {
            RequireObject(element, path, _vmFields);
            var id = Integer(element, "id", $"{path}.id", min: 0, fallback: null);
            var name = String(element, "name", $"{path}.name", required: false) ?? $"vm-{id}";
            var host = Integer(element, "host", $"{path}.host", min: 0, fallback: null);
            if (!hosts.Any(h => h.Id.Value == host))
            {
                throw Error($"{path}.host", $"no host has id {host}");
            }

            var allocation = new ResourceVector(
                Number(element, "cpuCores", $"{path}.cpuCores", positive: true, fallback: null),
                Number(element, "memoryMiB", $"{path}.memoryMiB", positive: true, fallback: null),
                Number(element, "networkMbps", $"{path}.networkMbps", positive: true, fallback: null));
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
            var start = Integer(element, "startSecond", $"{path}.startSecond", min: 0, fallback: null);
            var cpu = Number(element, "cpuCores", $"{path}.cpuCores", positive: false, fallback: first ? null : previous.CpuCores);
            var network = Number(element, "networkMbps", $"{path}.networkMbps", positive: false, fallback: previous.NetworkMbps);
            var workingSet = Number(element, "workingSetMiB", $"{path}.workingSetMiB", positive: false, fallback: previous.WorkingSetMiB);
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
                Number(element, "arrivalRatePerSecond", $"{path}.arrivalRatePerSecond", positive: false, fallback: null),
                Number(element, "cpuSecondsPerRequest", $"{path}.cpuSecondsPerRequest", positive: true, fallback: null),
                Number(element, "serviceCv", $"{path}.serviceCv", positive: false, fallback: 1),
                Number(element, "interArrivalCv", $"{path}.interArrivalCv", positive: false, fallback: 1),
                Number(element, "targetResponseSeconds", $"{path}.targetResponseSeconds", positive: true, fallback: null));
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
                    throw Error(prefix + property.Name, $"unknown field (expected one of: {string.Join(", ", allowed)})");
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

        private int Integer(JsonElement parent, string field, string path, int min, int? fallback)
        {
            if (!parent.TryGetProperty(field, out var element))
            {
                return fallback ?? throw Error(path, "missing");
            }

            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt32(out var value) || value < min)
            {
                throw Error(path, $"expected a whole number ≥ {min}, got {Show(element)}");
            }

            return value;
        }

        private double Number(JsonElement parent, string field, string path, bool positive, double? fallback)
        {
            if (!parent.TryGetProperty(field, out var element))
            {
                return fallback ?? throw Error(path, "missing");
            }

            if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var value) || !double.IsFinite(value)
                || value < 0 || (positive && value == 0))
            {
                throw Error(path, $"expected a number {(positive ? "> 0" : "≥ 0")}, got {Show(element)}");
            }

            return value;
        }

        private static string Show(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => $"\"{element.GetString()}\"",
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            _ => element.GetRawText(),
        };

        private ScenarioFormatException Error(string path, string problem) =>
            new(string.Create(CultureInfo.InvariantCulture, $"{source}: {path}: {problem}"));
    }
}
