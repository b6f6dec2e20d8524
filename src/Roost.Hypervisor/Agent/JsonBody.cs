using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Reads a JSON request body by hand: at most <see cref="MaxBodyBytes"/> are read (413 beyond), numbers must be JSON
/// numbers (no <c>"NaN"</c>, no numbers in strings), unknown fields are refused, and every failure is one line naming
/// the field (<c>cpus</c>: expected an integer) or the position of the malformed JSON.
/// </summary>
internal static partial class JsonBody
{
    /// <summary>The largest request body the agent reads (every body it takes is a few hundred bytes).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>How much of an oversized body is read and discarded before answering 413 (Kestrel's hard limit).</summary>
    public const int MaxDrainBytes = 1024 * 1024;

    public static async Task<AgentOutcome<T>> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        var where = $"{request.Method} {request.Path}";
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return AgentProblem.BadRequest($"{where}: body must be application/json, not '{AgentEndpoints.Printable(request.ContentType ?? "nothing")}'");
        }

        if (request.ContentLength > MaxBodyBytes)
        {
            await DrainAsync(request, cancellationToken).ConfigureAwait(false);
            return AgentProblem.PayloadTooLarge($"{where}: body of {request.ContentLength} bytes is over the {MaxBodyBytes} the agent reads");
        }

        var buffer = new byte[MaxBodyBytes + 1];
        var read = 0;
        try
        {
            while (read < buffer.Length && await request.Body.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false) is var n and > 0)
            {
                read += n;
            }
        }
        catch (BadHttpRequestException e)
        {
            return e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? AgentProblem.PayloadTooLarge($"{where}: body is over the {MaxBodyBytes} bytes the agent reads")
                : AgentProblem.BadRequest($"{where}: the body could not be read ({AgentEndpoints.Printable(e.Message)})");
        }

        if (read > MaxBodyBytes)
        {
            await DrainAsync(request, cancellationToken).ConfigureAwait(false);
            return AgentProblem.PayloadTooLarge($"{where}: body is over the {MaxBodyBytes} bytes the agent reads");
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.AsSpan(0, read), AgentJson.Options);
            return value is null
                ? AgentProblem.BadRequest($"{where}: body is JSON null, expected an object")
                : new AgentOutcome<T>.Ok(value);
        }
        catch (JsonException e)
        {
            return AgentProblem.BadRequest($"{where}: {Explain<T>(e)}");
        }
    }

    /// <summary>
    /// Reads and discards the rest of an oversized body (Kestrel stops it at <see cref="MaxDrainBytes"/>), so the client
    /// still gets the 413 rather than a reset connection; memory stays one small buffer.
    /// </summary>
    private static async Task DrainAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var sink = new byte[8192];
        try
        {
            while (await request.Body.ReadAsync(sink, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (BadHttpRequestException)
        {
            // Over Kestrel's own limit: it closes the connection.
        }
    }

    /// <summary>What is wrong, naming the field when the JSON itself is well formed.</summary>
    private static string Explain<T>(JsonException e)
    {
        if (UnknownMember().Match(e.Message) is { Success: true } unknown)
        {
            return $"unknown field '{AgentEndpoints.Printable(unknown.Groups[1].Value)}' (known: {string.Join(", ", Fields<T>().Select(f => f.Name))})";
        }

        var field = e.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;
        if (field is not null && Fields<T>().FirstOrDefault(f => string.Equals(f.Name, field, StringComparison.OrdinalIgnoreCase)) is { } known
            && !e.Message.Contains("invalid", StringComparison.OrdinalIgnoreCase))
        {
            return $"field '{known.Name}' must be {known.Expected}";
        }

        var at = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
        return $"malformed JSON{at}{(field is null ? "" : $" (in '{AgentEndpoints.Printable(field)}')")}";
    }

    private static IEnumerable<(string Name, string Expected)> Fields<T>() =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => (
            JsonNamingPolicy.CamelCase.ConvertName(p.Name),
            (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) switch
            {
                var t when t == typeof(int) => "an integer from -2147483648 to 2147483647",
                var t when t == typeof(long) => "an integer",
                var t when t == typeof(double) => "a finite number",
                var t when t == typeof(string) => "a string",
                var t when t == typeof(bool) => "true or false",
                var t => $"a {t.Name}",
            }));

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped")]
    private static partial Regex UnknownMember();
}
