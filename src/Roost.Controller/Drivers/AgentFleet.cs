namespace Roost.Controller.Drivers;

/// <summary>
/// The real hosts <c>roost serve --agents</c> manages: each agent's base URL (host ids follow this order, so give the
/// agents in the same order on every start) and the bearer token the agents accept.
/// </summary>
public sealed record AgentFleet(IReadOnlyList<Uri> Agents, string Token)
{
    /// <summary>Bandwidth cap of each live migration in MiB/s, so migrations do not crowd out guests; 0: QEMU's default.</summary>
    public int MigrationMiBps { get; init; }

    /// <summary>Parses <c>URL,URL,...</c>; on failure <paramref name="error"/> names the bad part.</summary>
    public static bool TryParse(string list, string token, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AgentFleet? fleet, out string error)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(token);
        fleet = null;
        error = "";
        var agents = new List<Uri>();
        foreach (var part in list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0)
            {
                error = $"--agents: '{part}' is not an agent URL like http://127.0.0.1:7001/";
                return false;
            }

            var normalized = new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
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

        if (string.IsNullOrWhiteSpace(token))
        {
            error = "--agent-token-file: the file is empty";
            return false;
        }

        fleet = new AgentFleet(agents, token.Trim());
        return true;
    }
}
