using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Roost.Controller.Api;

/// <summary>A request's validated command, or the problem to answer instead (400 naming the fields, 413, 415).</summary>
internal sealed class RequestInput<T>
    where T : notnull
{
    private readonly T? _value;
    private readonly ProblemHttpResult? _problem;

    private RequestInput(T? value, ProblemHttpResult? problem)
    {
        _value = value;
        _problem = problem;
    }

    public static RequestInput<T> Valid(T value) => new(value, null);

    public static RequestInput<T> Invalid(ProblemHttpResult problem) => new(default, problem);

    public bool TryGet([NotNullWhen(true)] out T? value, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        if (_problem is { } p)
        {
            (value, problem) = (default, p);
            return false;
        }

        if (_value is { } v)
        {
            (value, problem) = (v, null);
            return true;
        }

        throw new UnreachableException("a request input is valid or has a problem");
    }
}
