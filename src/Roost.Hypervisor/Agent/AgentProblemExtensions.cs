using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Roost.Hypervisor.Agent;

/// <summary>Turns an <see cref="AgentProblem"/> into an RFC 7807 response.</summary>
internal static class AgentProblemExtensions
{
    public static ProblemHttpResult ToResult(this AgentProblem problem, string instance) =>
        TypedResults.Problem(problem.Detail, instance, problem.Status, problem.Title, problem.Type);
}
