using System.Text.Json;
using System.Text.Json.Serialization;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// How the agent's wire types are written and read, at both ends (the agent, its peers, the controller): web naming,
/// enums as camelCase names, the controller API's spelling (<c>running</c>, <c>migratingOut</c>, <c>tcg</c>; read in any
/// case), numbers as JSON numbers only (no "NaN", no numbers in strings), no unknown members.
/// </summary>
public static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Enums as camelCase names, as the controller writes its own (one vocabulary in both APIs); no numbers.</summary>
    public static JsonStringEnumConverter EnumConverter() => new(JsonNamingPolicy.CamelCase, allowIntegerValues: false);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            MaxDepth = 16,
            Converters = { EnumConverter() },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
