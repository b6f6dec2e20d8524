using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Roost.Controller.Api;

/// <summary>
/// The one way the API reads a JSON body: bounded in size, strict (numbers are JSON numbers, never strings such as
/// <c>"NaN"</c>; no unknown or repeated fields; nesting at most <see cref="MaxDepth"/>), then the body type's own
/// validation. Every failure is an RFC 7807 problem naming the field (<c>body</c> for the body as a whole), never an
/// exception: 400 for what is wrong, 413 for too large, 415 for a body that is not JSON.
/// </summary>
internal static class RequestBody
{
    /// <summary>Deeper JSON is refused; no request type nests at all.</summary>
    public const int MaxDepth = 16;

    private static readonly JsonSerializerOptions _options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        MaxDepth = MaxDepth,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };

    private static readonly JsonDocumentOptions _documentOptions = new() { MaxDepth = MaxDepth };

    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, string>> _fields = new();

    /// <summary>Reads, checks and validates the body of <paramref name="request"/> as <typeparamref name="TBody"/>.</summary>
    public static async Task<RequestInput<TCommand>> ReadAsync<TBody, TCommand>(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
        where TBody : IRequestBody<TCommand>
        where TCommand : notnull
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[] bytes;
        try
        {
            bytes = await ReadBoundedAsync(request.Body, maxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            CloseAfterResponse(request);
            return RequestInput<TCommand>.Invalid(Problems.Status(e.StatusCode, $"body: {e.Message.TrimEnd('.')}"));
        }

        if (bytes.Length > maxBytes)
        {
            CloseAfterResponse(request);
            return RequestInput<TCommand>.Invalid(Problems.Status(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture, $"body: larger than {maxBytes} bytes")));
        }

        var errors = new FieldErrors();
        if (bytes.Length == 0)
        {
            errors.Add("body", "required: a JSON object");
            return RequestInput<TCommand>.Invalid(Problems.Invalid(errors));
        }

        if (!request.HasJsonContentType())
        {
            return RequestInput<TCommand>.Invalid(Problems.Status(StatusCodes.Status415UnsupportedMediaType, $"body: Content-Type must be application/json, not '{FieldErrors.Printable(request.ContentType ?? "")}'"));
        }

        var fields = Fields(typeof(TBody));
        TBody? body;
        try
        {
            using var document = JsonDocument.Parse(bytes, _documentOptions);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add("body", $"must be a JSON object, not {Kind(document.RootElement.ValueKind)}");
                return RequestInput<TCommand>.Invalid(Problems.Invalid(errors));
            }

            CheckNames(document.RootElement, fields, errors);
            if (!errors.IsEmpty)
            {
                return RequestInput<TCommand>.Invalid(Problems.Invalid(errors));
            }

            body = document.RootElement.Deserialize<TBody>(_options);
        }
        catch (JsonException e) when (e.Path is null or "$")
        {
            errors.Add("body", string.Create(CultureInfo.InvariantCulture, $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})"));
            return RequestInput<TCommand>.Invalid(Problems.Invalid(errors));
        }
        catch (JsonException e)
        {
            var field = TopField(e.Path);
            errors.Add(field, fields.TryGetValue(field, out var kind) ? $"must be {kind}" : "not valid here");
            return RequestInput<TCommand>.Invalid(Problems.Invalid(errors));
        }

        if (body is null)
        {
            errors.Add("body", "required: a JSON object");
            return RequestInput<TCommand>.Invalid(Problems.Invalid(errors));
        }

        return body.TryValidate(errors, out var command) && errors.IsEmpty
            ? RequestInput<TCommand>.Valid(command)
            : RequestInput<TCommand>.Invalid(Problems.Invalid(errors));
    }

    /// <summary>
    /// The rest of a body too large to read stays unread, so the connection cannot carry another request: say so
    /// (<c>Connection: close</c>), or a client would send its next request on a connection the server then drops.
    /// </summary>
    private static void CloseAfterResponse(HttpRequest request) => request.HttpContext.Response.Headers.Connection = "close";

    /// <summary>Unknown and repeated member names (case-insensitive, as the binding is), all reported at once.</summary>
    private static void CheckNames(JsonElement root, IReadOnlyDictionary<string, string> fields, FieldErrors errors)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var member in root.EnumerateObject())
        {
            var name = FieldErrors.Printable(member.Name);
            if (!fields.ContainsKey(member.Name))
            {
                errors.Add(name, $"unknown field (expected {string.Join(", ", fields.Keys.Order(StringComparer.Ordinal))})");
            }
            else if (!seen.Add(member.Name))
            {
                errors.Add(name, "given more than once");
            }
        }
    }

    /// <summary>The JSON member names of <paramref name="type"/> with what each must hold, e.g. <c>cpuCores</c>: "a number".</summary>
    private static IReadOnlyDictionary<string, string> Fields(Type type) =>
        _fields.GetOrAdd(type, t =>
        {
            var info = _options.GetTypeInfo(t);
            var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in info.Properties)
            {
                var kind = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                fields[property.Name] = kind == typeof(double) ? "a number"
                    : kind == typeof(int) || kind == typeof(long) ? "an integer"
                    : kind == typeof(bool) ? "true or false"
                    : kind == typeof(string) ? "a string"
                    : "a value of another type";
            }

            return fields;
        });

    /// <summary><c>$.cpuCores</c>, <c>$.name[0]</c>, <c>$['odd name']</c> to the top-level member name.</summary>
    private static string TopField(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal))
        {
            return "body";
        }

        var name = path[2..];
        var end = name.IndexOfAny(['.', '[']);
        return FieldErrors.Printable(end < 0 ? name : name[..end]);
    }

    private static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "this",
    };

    /// <summary>The body, at most <paramref name="maxBytes"/> + 1 bytes of it (one more tells it was too large).</summary>
    private static async Task<byte[]> ReadBoundedAsync(Stream body, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        while (buffer.Length <= maxBytes)
        {
            var read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
