using System.Text.Json;
using System.Text.Json.Serialization;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// How the agent's wire types are written and read, at both ends (the agent, its peers, the controller): web naming,
/// enums as names, numbers as JSON numbers only (no "NaN", no numbers in strings), no unknown members.
/// </summary>
public static class AgentJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            NumberHandling = JsonNumberHandling.Strict,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            MaxDepth = 16,
            Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
