namespace Roost.Hypervisor.Agent;

/// <summary>
/// An error the agent API reports as RFC 7807 problem details: an HTTP status, a stable type URI, a short title and
/// one line of detail naming what and where.
/// </summary>
public sealed record AgentProblem(int Status, string Type, string Title, string Detail)
{
    private const string TypePrefix = "urn:roost:problem:";

    /// <summary>The detail on one line: a line break (some exceptions' messages hold one) becomes a space.</summary>
    public string Detail { get; init; } = Detail.ReplaceLineEndings(" ");

    public static AgentProblem BadRequest(string detail) => new(400, TypePrefix + "bad-request", "Bad request", detail);

    public static AgentProblem Unauthorized(string detail) => new(401, TypePrefix + "unauthorized", "Unauthorized", detail);

    public static AgentProblem UnknownVm(string agent, string id) =>
        new(404, TypePrefix + "unknown-vm", "Unknown VM", $"agent '{agent}' has no VM '{id}'");

    public static AgentProblem PayloadTooLarge(string detail) => new(413, TypePrefix + "payload-too-large", "Payload too large", detail);

    public static AgentProblem Conflict(string detail) => new(409, TypePrefix + "conflict", "Conflict", detail);

    public static AgentProblem CapacityExceeded(string detail) => new(409, TypePrefix + "capacity-exceeded", "Capacity exceeded", detail);

    public static AgentProblem MigrationCancelled(string detail) => new(409, TypePrefix + "migration-cancelled", "Migration cancelled", detail);

    public static AgentProblem PeerUnreachable(string detail) => new(502, TypePrefix + "peer-unreachable", "Peer agent unreachable", detail);

    public static AgentProblem PeerRefused(string detail) => new(502, TypePrefix + "peer-refused", "Peer agent refused", detail);

    public static AgentProblem MigrationFailed(string detail) => new(502, TypePrefix + "migration-failed", "Migration failed", detail);

    public static AgentProblem HypervisorFailed(string detail) => new(500, TypePrefix + "hypervisor-failed", "Hypervisor failed", detail);
}
