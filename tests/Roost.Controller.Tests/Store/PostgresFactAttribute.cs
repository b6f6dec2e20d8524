namespace Roost.Controller.Tests.Store;

/// <summary>A fact that needs a PostgreSQL server; reported as skipped, with the reason, when its binaries are absent.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
