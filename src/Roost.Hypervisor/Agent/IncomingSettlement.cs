namespace Roost.Hypervisor.Agent;

/// <summary>
/// The destination's definite answer to <c>POST /api/incoming/{id}/complete</c> and <c>DELETE /api/incoming/{id}</c>:
/// <see cref="Outcome"/> is <c>adopted</c> (the guest runs there) or <c>dropped</c> (nothing of the migration runs
/// there, or ever will); <see cref="Detail"/> says why when dropped. Any other answer settles nothing.
/// </summary>
public sealed record IncomingSettlement(string Id, string Outcome, string? Detail)
{
    public const string Adopted = "adopted";

    public const string Dropped = "dropped";
}
