using System.Globalization;
using System.Text;
using System.Text.Json;
using Roost.Simulation.Input;

namespace Roost.Cli.Client;

/// <summary>
/// Prints rows of the API's JSON in the chosen <see cref="OutputFormat"/>. Text that came from the controller (names,
/// messages) is escaped before it reaches the terminal, so nothing a name holds can move the cursor or add a line.
/// </summary>
internal static class Listing
{
    private static readonly JsonSerializerOptions _indented = new() { WriteIndented = true };

    public static async Task WriteAsync(TextWriter output, OutputFormat format, JsonElement json, IReadOnlyList<JsonElement> rows, IReadOnlyList<Column> columns)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        switch (format)
        {
            case OutputFormat.Json:
                await output.WriteLineAsync(JsonSerializer.Serialize(json, _indented)).ConfigureAwait(false);
                break;
            case OutputFormat.Csv:
                await output.WriteLineAsync(CsvLine(columns.Select(c => c.Header))).ConfigureAwait(false);
                foreach (var row in rows)
                {
                    await output.WriteLineAsync(CsvLine(columns.Select(c => c.Value(row)))).ConfigureAwait(false);
                }

                break;
            default:
                await output.WriteAsync(Table(rows, columns)).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>One object as FIELD VALUE lines (table), or as the API's JSON, or as a one-row CSV.</summary>
    public static Task WriteOneAsync(TextWriter output, OutputFormat format, JsonElement json, IReadOnlyList<Column> columns) =>
        format == OutputFormat.Table
            ? output.WriteAsync(Table(columns.Select(c => (c.Header, c.Value(json))).ToList()))
            : WriteAsync(output, format, json, [json], columns);

    public static string Table(IReadOnlyList<JsonElement> rows, IReadOnlyList<Column> columns)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(columns);
        var cells = rows.Select(r => columns.Select(c => Shown(c.Value(r))).ToArray()).ToList();
        var widths = columns.Select((c, i) => cells.Select(r => r[i].Length).Append(c.Header.Length).Max()).ToArray();
        var text = new StringBuilder();
        Line(columns.Select(c => c.Header).ToArray());
        foreach (var row in cells)
        {
            Line(row);
        }

        return text.ToString();

        void Line(string[] values)
        {
            for (var i = 0; i < values.Length; i++)
            {
                text.Append(i == values.Length - 1 ? values[i] : values[i].PadRight(widths[i] + 2));
            }

            text.Append('\n');
        }
    }

    private static string Table(IReadOnlyList<(string Field, string Value)> fields)
    {
        var width = fields.Max(f => f.Field.Length) + 2;
        var text = new StringBuilder();
        foreach (var (field, value) in fields)
        {
            text.Append(field.PadRight(width)).Append(Shown(value)).Append('\n');
        }

        return text.ToString();
    }

    private static string Shown(string value) => PrintableText.Escape(value);

    /// <summary>
    /// RFC 4180: a field holding a comma or a quote is quoted, quotes doubled. Fields are escaped as in a table first
    /// (a line break shows as <c>\n</c>), so a CSV on a terminal is as safe as a table and every record is one line.
    /// </summary>
    public static string CsvLine(IEnumerable<string> values) =>
        string.Join(',', values.Select(Shown).Select(v => v.IndexOfAny([',', '"']) >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v));

    // Cell readers over the API's JSON: a missing or null member shows empty.
    public static string Text(JsonElement row, string name) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Number => v.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => "",
        } : "";

    public static string Number(JsonElement row, string name, string format) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
            ? v.GetDouble().ToString(format, CultureInfo.InvariantCulture)
            : "";

    public static JsonElement Member(JsonElement row, string name) =>
        row.ValueKind == JsonValueKind.Object && row.TryGetProperty(name, out var v) ? v : default;

    public static IReadOnlyList<JsonElement> Rows(JsonElement json) =>
        json.ValueKind == JsonValueKind.Array ? [.. json.EnumerateArray()] : [];
}
