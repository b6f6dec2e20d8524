using System.Diagnostics.CodeAnalysis;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// An agent's base URL, as the controller's <c>--agents</c> and a migration's destination give it: absolute http or
/// https with a host, no user info, query or fragment; normalized to end in one '/', so two spellings of one agent
/// compare equal.
/// </summary>
public static class AgentUrl
{
    /// <summary>The normalized URL of <paramref name="text"/>, or false when it is not an agent URL.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Uri? url)
    {
        url = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.Host.Length == 0)
        {
            return false;
        }

        url = new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        return true;
    }
}
