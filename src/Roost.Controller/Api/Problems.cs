using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;

namespace Roost.Controller.Api;

/// <summary>RFC 7807 problem details for the errors handlers return themselves.</summary>
internal static class Problems
{
    public static ProblemHttpResult NotFound(string detail) => Status(StatusCodes.Status404NotFound, detail);

    public static ProblemHttpResult Unavailable(string detail) => Status(StatusCodes.Status503ServiceUnavailable, detail);

    public static ProblemHttpResult Conflict(string detail) => Status(StatusCodes.Status409Conflict, detail);

    public static ProblemHttpResult Status(int status, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: ReasonPhrases.GetReasonPhrase(status));

    /// <summary>400 with an <c>errors</c> member (field to messages) and a one-line <c>detail</c> naming every field.</summary>
    public static ProblemHttpResult Invalid(FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var byField = errors.All.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
        return TypedResults.Problem(new HttpValidationProblemDetails(byField)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Bad Request",
            Detail = string.Join("; ", errors.All.Select(e => $"{e.Field}: {e.Message}")),
        });
    }
}
