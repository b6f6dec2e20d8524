using System.Net;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// Body of <c>POST /api/vms/{id}/bft-node</c>: start the BFT execution replica of a <c>bft-executor</c> guest (ZZ's
/// sleeping VM, <c>roost bft cluster --sleepers vm</c>). <see cref="Deployment"/> and <see cref="Keys"/> are the texts
/// of its deployment file and of its owner-only key file (they reach the guest over its reporter port, never over a
/// network, and are never logged); <see cref="Node"/> is the replica (<c>eN</c>); <see cref="StatusTo"/> the IPv4
/// address and port, on the host's side of the guest's NIC, where it sends its status lines.
/// </summary>
public sealed record BftNodeRequest(string? Node, string? Deployment, string? Keys, string? StatusTo)
{
    /// <summary>The longest deployment or key text accepted (the body itself is at most 64 KiB).</summary>
    public const int MaxTextBytes = 24 * 1024;

    /// <summary>Null when the request is valid, else one line saying what is wrong (never quoting a key).</summary>
    public string? Validate()
    {
        if (Node is null || Node.Length is < 2 or > 3 || Node[0] != 'e' || !Node[1..].All(char.IsAsciiDigit))
        {
            return "node must be an execution replica, e0 to e99";
        }

        if (Text(Deployment) is { } deployment)
        {
            return $"deployment {deployment}";
        }

        if (Text(Keys) is { } keys)
        {
            return $"keys {keys}";
        }

        return StatusTo is not null && IPEndPoint.TryParse(StatusTo, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            && address.Port > 0 && StatusTo.All(c => char.IsAsciiDigit(c) || c is '.' or ':')
            ? null
            : "statusTo must be IPv4:PORT";
    }

    private static string? Text(string? text) =>
        text is null or { Length: 0 } ? "is missing"
        : text.Length > MaxTextBytes ? $"is longer than {MaxTextBytes} characters"
        : text.All(c => c is '\n' or (>= ' ' and <= '~')) ? null
        : "must be printable ASCII lines";
}
