using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Reads a JSON request body by hand so malformed JSON gets a precise problem (what is wrong and where) instead of
/// the framework's bare 400.
/// </summary>
internal static class JsonBody
{
    private static readonly JsonSerializerOptions _options = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

    public static async Task<AgentOutcome<T>> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentType is null || !request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return AgentProblem.BadRequest($"{request.Method} {request.Path}: body must be application/json, not '{request.ContentType ?? "nothing"}'");
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, _options, cancellationToken).ConfigureAwait(false);
            return value is null
                ? AgentProblem.BadRequest($"{request.Method} {request.Path}: body is JSON null, expected an object")
                : new AgentOutcome<T>.Ok(value);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            var what = e.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0];
            return AgentProblem.BadRequest($"{request.Method} {request.Path}: malformed JSON{where}: {what}");
        }
    }
}
