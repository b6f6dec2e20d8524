using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Roost.Core.Overheads;

/// <summary>
/// The JSON form of an <see cref="OverheadModel"/> (docs/move.md). Pure: text in, text out. Reading is strict:
/// unknown or repeated fields, missing fields, wrong types, out-of-range numbers and unknown metric names are errors
/// naming the field (<c>m.json: guestCpu.terms[1].metric: 'cpu_usr_pct' is not a native metric</c>), so a misspelt
/// field never silently takes a default. Numbers are written in their shortest round-trip form, so a model read back
/// predicts bit for bit what it predicted before.
/// </summary>
public static class OverheadModelFile
{
    public const string FormatName = "roost-move-model";

    public const int Version = 1;

    /// <summary>Largest model file read, in bytes: a model is a few KiB; anything near this is not a model.</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly string[] _topFields = ["format", "version", "platform", "method", "options", "training", "guestCpu", "emulationCpu"];

    private static readonly string[] _platformFields = ["name", "description"];

    private static readonly string[] _optionFields =
        ["tuningConstant", "convergenceTolerance", "maxIterations", "enterPValue", "removePValue", "maxSteps", "refinementRounds", "outlierStandardDeviations"];

    private static readonly string[] _trainingFields = ["samples", "benchmarks", "candidateMetrics"];

    private static readonly string[] _modelFields = ["intercept", "terms", "summary"];

    private static readonly string[] _termFields = ["metric", "coefficient", "standardError", "pValue"];

    private static readonly string[] _summaryFields =
        ["samples", "benchmarks", "droppedBenchmarks", "iterations", "converged", "scale", "stepwiseSteps", "rmsePct", "medianAbsErrorPct"];

    private static readonly JsonDocumentOptions _documentOptions = new() { MaxDepth = 16 };

    public static string Format(OverheadModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("format", FormatName);
            json.WriteNumber("version", Version);
            json.WriteStartObject("platform");
            json.WriteString("name", model.Platform.Name);
            json.WriteString("description", model.Platform.Description);
            json.WriteEndObject();
            json.WriteString("method", OverheadFitOptions.MethodName(model.Options.Method));
            WriteOptions(json, model.Options);
            json.WriteStartObject("training");
            json.WriteNumber("samples", model.Training.Samples);
            WriteStrings(json, "benchmarks", model.Training.Benchmarks);
            WriteStrings(json, "candidateMetrics", model.Training.CandidateMetrics.Select(NativeMetrics.Name));
            json.WriteEndObject();
            WriteCpuModel(json, "guestCpu", model.GuestCpu);
            WriteCpuModel(json, "emulationCpu", model.EmulationCpu);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <param name="json">The file's text.</param>
    /// <param name="source">How errors name the file (usually its path).</param>
    public static OverheadModel Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(source);
        using var document = Document(json, source);
        return new Reader(source).Model(document.RootElement);
    }

    private static JsonDocument Document(string json, string source)
    {
        try
        {
            return JsonDocument.Parse(json, _documentOptions);
        }
        catch (JsonException e)
        {
            // The parser's message is several sentences; its first says what is wrong.
            var what = e.Message.Split(". ", 2)[0];
            throw new OverheadFormatException(
                string.Create(CultureInfo.InvariantCulture, $"{source}: line {(e.LineNumber ?? 0) + 1}: not valid JSON: {what}"), e);
        }
    }

    private static void WriteOptions(Utf8JsonWriter json, OverheadFitOptions options)
    {
        json.WriteStartObject("options");
        json.WriteNumber("tuningConstant", options.Robust.TuningConstant);
        json.WriteNumber("convergenceTolerance", options.Robust.ConvergenceTolerance);
        json.WriteNumber("maxIterations", options.Robust.MaxIterations);
        json.WriteNumber("enterPValue", options.Stepwise.EnterPValue);
        json.WriteNumber("removePValue", options.Stepwise.RemovePValue);
        json.WriteNumber("maxSteps", options.Stepwise.MaxSteps);
        json.WriteNumber("refinementRounds", options.Refinement.Rounds);
        json.WriteNumber("outlierStandardDeviations", options.Refinement.OutlierStandardDeviations);
        json.WriteEndObject();
    }

    private static void WriteCpuModel(Utf8JsonWriter json, string name, CpuModel model)
    {
        json.WriteStartObject(name);
        json.WriteNumber("intercept", model.Intercept);
        json.WriteStartArray("terms");
        foreach (var term in model.Terms)
        {
            json.WriteStartObject();
            json.WriteString("metric", NativeMetrics.Name(term.Metric));
            json.WriteNumber("coefficient", term.Coefficient);
            json.WriteNumber("standardError", term.StandardError);
            json.WriteNumber("pValue", term.PValue);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        var summary = model.Summary;
        json.WriteStartObject("summary");
        json.WriteNumber("samples", summary.Samples);
        json.WriteNumber("benchmarks", summary.Benchmarks);
        WriteStrings(json, "droppedBenchmarks", summary.DroppedBenchmarks);
        json.WriteNumber("iterations", summary.Iterations);
        json.WriteBoolean("converged", summary.Converged);
        json.WriteNumber("scale", summary.Scale);
        json.WriteNumber("stepwiseSteps", summary.StepwiseSteps);
        json.WriteNumber("rmsePct", summary.RmsePct);
        json.WriteNumber("medianAbsErrorPct", summary.MedianAbsErrorPct);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    /// <summary>Reads one document; every error names the field by its JSON path.</summary>
    private sealed class Reader(string source)
    {
        public OverheadModel Model(JsonElement root)
        {
            Fields(root, "", _topFields);
            var format = Text(root, "format", "");
            if (format != FormatName)
            {
                throw Error("format", $"'{format}' is not {FormatName}");
            }

            var version = Integer(root, "version", "", 0, int.MaxValue);
            if (version != Version)
            {
                throw Error("version", string.Create(CultureInfo.InvariantCulture, $"version {version} is not supported (this roost reads version {Version})"));
            }

            var platformElement = Member(root, "platform", "");
            Fields(platformElement, "platform", _platformFields);
            var platform = new PlatformDescription(Text(platformElement, "name", "platform"), Text(platformElement, "description", "platform"));
            var methodName = Text(root, "method", "");
            if (!OverheadFitOptions.TryParseMethod(methodName, out var method))
            {
                throw Error("method", $"'{methodName}' is not robust-stepwise or least-squares");
            }

            var options = Options(Member(root, "options", ""), method);
            var trainingElement = Member(root, "training", "");
            Fields(trainingElement, "training", _trainingFields);
            var training = new OverheadTraining(
                Integer(trainingElement, "samples", "training", 0, int.MaxValue),
                Strings(trainingElement, "benchmarks", "training"),
                Metrics(trainingElement, "candidateMetrics", "training"));
            return new OverheadModel(
                platform,
                options,
                training,
                CpuModel(Member(root, "guestCpu", ""), "guestCpu"),
                CpuModel(Member(root, "emulationCpu", ""), "emulationCpu"));
        }

        private OverheadFitOptions Options(JsonElement element, FitMethod method)
        {
            const string Path = "options";
            Fields(element, Path, _optionFields);
            var options = new OverheadFitOptions(
                method,
                new RobustRegressionOptions(
                    Number(element, "tuningConstant", Path),
                    Number(element, "convergenceTolerance", Path),
                    Integer(element, "maxIterations", Path, 0, int.MaxValue)),
                new StepwiseOptions(
                    Number(element, "enterPValue", Path),
                    Number(element, "removePValue", Path),
                    Integer(element, "maxSteps", Path, 0, int.MaxValue)),
                new RefinementOptions(
                    Integer(element, "refinementRounds", Path, 0, int.MaxValue),
                    Number(element, "outlierStandardDeviations", Path)));
            return options.Validate() is { } invalid ? throw new OverheadFormatException($"{source}: {Path}: {invalid}") : options;
        }

        private CpuModel CpuModel(JsonElement element, string path)
        {
            Fields(element, path, _modelFields);
            var intercept = Number(element, "intercept", path);
            var terms = new List<ModelTerm>();
            var index = 0;
            foreach (var termElement in ArrayOf(element, "terms", path).EnumerateArray())
            {
                var termPath = $"{path}.terms[{index++}]";
                Fields(termElement, termPath, _termFields);
                var metric = Metric(Member(termElement, "metric", termPath), $"{termPath}.metric");
                if (terms.Any(t => t.Metric == metric))
                {
                    throw Error($"{termPath}.metric", $"{NativeMetrics.Name(metric)} appears twice");
                }

                terms.Add(new ModelTerm(
                    metric,
                    Number(termElement, "coefficient", termPath),
                    Number(termElement, "standardError", termPath, min: 0),
                    Number(termElement, "pValue", termPath, min: 0, max: 1)));
            }

            var summaryPath = $"{path}.summary";
            var s = Member(element, "summary", path);
            Fields(s, summaryPath, _summaryFields);
            var summary = new CpuModelSummary(
                Integer(s, "samples", summaryPath, 0, int.MaxValue),
                Integer(s, "benchmarks", summaryPath, 0, int.MaxValue),
                Strings(s, "droppedBenchmarks", summaryPath),
                Integer(s, "iterations", summaryPath, 0, int.MaxValue),
                Boolean(s, "converged", summaryPath),
                Number(s, "scale", summaryPath, min: 0),
                Integer(s, "stepwiseSteps", summaryPath, 0, int.MaxValue),
                Number(s, "rmsePct", summaryPath, min: 0),
                Number(s, "medianAbsErrorPct", summaryPath, min: 0));
            return new CpuModel(intercept, terms.OrderBy(t => t.Metric).ToArray(), summary);
        }

        /// <summary>Requires an object whose fields are all in <paramref name="allowed"/>, each once, and all present.</summary>
        private void Fields(JsonElement element, string path, string[] allowed)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Error(path, $"expected an object, got {Show(element)}");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                if (!allowed.Contains(property.Name, StringComparer.Ordinal))
                {
                    throw Error(Join(path, property.Name), $"unknown field (expected {string.Join(", ", allowed)})");
                }

                if (!seen.Add(property.Name))
                {
                    throw Error(Join(path, property.Name), "appears twice");
                }
            }

            if (allowed.FirstOrDefault(name => !seen.Contains(name)) is { } missing)
            {
                throw Error(Join(path, missing), "missing");
            }
        }

        private JsonElement Member(JsonElement element, string name, string path) =>
            element.TryGetProperty(name, out var value) ? value : throw Error(Join(path, name), "missing");

        private double Number(JsonElement element, string name, string path, double min = double.MinValue, double max = double.MaxValue)
        {
            var value = Member(element, name, path);
            if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
            {
                throw Error(Join(path, name), $"expected a finite number, got {Show(value)}");
            }

            return number >= min && number <= max
                ? number
                : throw Error(Join(path, name), string.Create(CultureInfo.InvariantCulture, $"{number} is outside [{min}, {max}]"));
        }

        private int Integer(JsonElement element, string name, string path, int min, int max)
        {
            var value = Member(element, name, path);
            return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max
                ? number
                : throw Error(Join(path, name), string.Create(CultureInfo.InvariantCulture, $"expected a whole number from {min} to {max}, got {Show(value)}"));
        }

        private bool Boolean(JsonElement element, string name, string path)
        {
            var value = Member(element, name, path);
            return value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error(Join(path, name), $"expected true or false, got {Show(value)}"),
            };
        }

        private string Text(JsonElement element, string name, string path) => Printable(Member(element, name, path), Join(path, name));

        /// <summary>A string without control or invisible characters: names from a model are printed.</summary>
        private string Printable(JsonElement value, string path)
        {
            if (value.ValueKind != JsonValueKind.String)
            {
                throw Error(path, $"expected a string, got {Show(value)}");
            }

            var text = value.GetString() ?? "";
            return InputText.IsPrintable(text) ? text : throw Error(path, $"{Show(value)} has a control or invisible character");
        }

        private JsonElement ArrayOf(JsonElement element, string name, string path)
        {
            var value = Member(element, name, path);
            return value.ValueKind == JsonValueKind.Array ? value : throw Error(Join(path, name), $"expected an array, got {Show(value)}");
        }

        private string[] Strings(JsonElement element, string name, string path)
        {
            var values = new List<string>();
            var index = 0;
            foreach (var item in ArrayOf(element, name, path).EnumerateArray())
            {
                values.Add(Printable(item, $"{Join(path, name)}[{index++}]"));
            }

            return [.. values];
        }

        private NativeMetric[] Metrics(JsonElement element, string name, string path)
        {
            var metrics = new List<NativeMetric>();
            var index = 0;
            foreach (var item in ArrayOf(element, name, path).EnumerateArray())
            {
                metrics.Add(Metric(item, $"{Join(path, name)}[{index++}]"));
            }

            return [.. metrics];
        }

        private NativeMetric Metric(JsonElement value, string path)
        {
            var name = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            return NativeMetrics.TryParse(name, out var metric)
                ? metric
                : throw Error(path, $"{Show(value)} is not a native metric (see docs/move.md)");
        }

        private OverheadFormatException Error(string path, string message) =>
            new(path.Length == 0 ? $"{source}: {message}" : $"{source}: {path}: {message}");

        private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

        private static string Show(JsonElement element) =>
            element.ValueKind == JsonValueKind.String ? InputText.Quote(element.GetString() ?? "") : InputText.Quote(element.GetRawText())[1..^1];
    }
}
