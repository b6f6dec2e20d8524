namespace Roost.Controller.Api;

/// <summary><c>GET /api/migrations?limit=N</c>: migrations newest first; <c>limit</c> 1..1000, default 100.</summary>
public sealed record MigrationsQuery(int Limit)
{
    public static MigrationsQuery Parse(string? limit, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return new MigrationsQuery((int)errors.WholeNumber("limit", limit, 1, EventsQuery.MaxLimit, 100));
    }
}
