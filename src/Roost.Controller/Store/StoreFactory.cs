namespace Roost.Controller.Store;

/// <summary>Opens the store named by <c>--db</c>: <c>sqlite:PATH</c>, <c>postgres:CONNSTRING</c>, or by default DATA/roost.db.</summary>
public static class StoreFactory
{
    public const string Usage = "sqlite:PATH or postgres:CONNSTRING";

    /// <summary>Null <paramref name="spec"/> means SQLite in <paramref name="dataDirectory"/>. Throws <see cref="ArgumentException"/> with one line for a bad spec.</summary>
    public static IControllerStore Open(string? spec, string dataDirectory)
    {
        if (spec is null)
        {
            return new SqliteControllerStore(Path.Combine(dataDirectory, "roost.db"));
        }

        if (spec.StartsWith("sqlite:", StringComparison.Ordinal) && spec.Length > "sqlite:".Length)
        {
            return new SqliteControllerStore(spec["sqlite:".Length..]);
        }

        if (spec.StartsWith("postgres:", StringComparison.Ordinal) && spec.Length > "postgres:".Length)
        {
            return new PostgresControllerStore(spec["postgres:".Length..]);
        }

        throw new ArgumentException($"--db '{spec}' is not {Usage}", nameof(spec));
    }
}
