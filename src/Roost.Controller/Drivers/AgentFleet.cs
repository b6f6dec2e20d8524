using System.Diagnostics.CodeAnalysis;
using Roost.Hypervisor.Agent;

namespace Roost.Controller.Drivers;

/// <summary>
/// The real hosts <c>roost serve --agents</c> manages: each agent's base URL (host ids follow this order, so give the
/// agents in the same order on every start) and the bearer token each accepts: <see cref="Token"/> for all, unless
/// <see cref="AgentTokens"/> names the agent's own. The controller sends an agent only that agent's token.
/// </summary>
public sealed record AgentFleet(IReadOnlyList<Uri> Agents, string Token)
{
    /// <summary>Bandwidth cap of each live migration in MiB/s, so migrations do not crowd out guests; 0: QEMU's default.</summary>
    public int MigrationMiBps { get; init; }

    /// <summary>Each agent's own token, by its URL as given in <c>--agents</c>; agents not in it use <see cref="Token"/>.</summary>
    public IReadOnlyDictionary<Uri, string> AgentTokens { get; init; } = new Dictionary<Uri, string>();

    /// <summary>Every agent's token (the shared one and each agent's own): what a site's agent may present for the network intent.</summary>
    public IReadOnlyList<string> AllTokens => [.. Agents.Select(TokenFor).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)];

    /// <summary>The token of the agent at <paramref name="agent"/>.</summary>
    public string TokenFor(Uri agent) => AgentTokens.TryGetValue(agent, out var token) ? token : Token;

    /// <summary>
    /// Parses <c>URL,URL,...</c> and the token file's text: either one token every agent accepts (the form before
    /// per-agent tokens), or one <c>URL TOKEN</c> line per agent (blank lines and lines starting with <c>#</c> are
    /// skipped). On failure <paramref name="error"/> names the bad part.
    /// </summary>
    public static bool TryParse(string list, string tokenFile, [NotNullWhen(true)] out AgentFleet? fleet, out string error)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(tokenFile);
        fleet = null;
        error = "";
        var agents = new List<Uri>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!AgentUrl.TryParse(part, out var normalized))
            {
                error = $"--agents: '{part}' is not an agent URL like http://127.0.0.1:7001/";
                return false;
            }

            if (agents.Contains(normalized))
            {
                error = $"--agents: {normalized} is given twice";
                return false;
            }

            agents.Add(normalized);
        }

        if (agents.Count == 0)
        {
            error = "--agents: give at least one agent URL";
            return false;
        }

        var lines = tokenFile.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Count == 0)
        {
            error = "--agent-token-file: the file is empty";
            return false;
        }

        if (lines is [var shared] && !shared.Any(char.IsWhiteSpace))
        {
            if (!IsToken(shared))
            {
                error = "--agent-token-file: the token has characters other than printable ASCII";
                return false;
            }

            fleet = new AgentFleet(agents, shared);
            return true;
        }

        var tokens = new Dictionary<Uri, string>();
        for (var i = 0; i < lines.Count; i++)
        {
            var pair = lines[i].Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !AgentUrl.TryParse(pair[0], out var agent) || !IsToken(pair[1]))
            {
                error = $"--agent-token-file: entry {i + 1} is not 'URL TOKEN' (one per agent, or a single token for all)";
                return false;
            }

            if (!agents.Contains(agent))
            {
                error = $"--agent-token-file: entry {i + 1} names {agent}, which is not in --agents";
                return false;
            }

            if (!tokens.TryAdd(agent, pair[1]))
            {
                error = $"--agent-token-file: {agent} has two tokens";
                return false;
            }
        }

        if (agents.FirstOrDefault(a => !tokens.ContainsKey(a)) is { } missing)
        {
            error = $"--agent-token-file: no token for {missing}";
            return false;
        }

        fleet = new AgentFleet(agents, "") { AgentTokens = tokens };
        return true;
    }

    private static bool IsToken(string token) => token.All(c => c is > ' ' and <= '~');
}
