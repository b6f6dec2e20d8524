namespace Roost.Controller.Tests.Store;

/// <summary>Where PostgreSQL's server binaries are, and if they are absent, the one line saying why tests skip.</summary>
internal static class PostgresEnvironment
{
    public static string? BinaryDirectory { get; } =
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order(StringComparer.Ordinal).LastOrDefault()
            : null;

    public static string? SkipReason { get; } = BinaryDirectory is null
        ? "PostgreSQL server binaries are absent (/usr/lib/postgresql/*/bin/initdb): install the Debian package postgresql (.ci/run does) to run the PostgreSQL tests"
        : null;
}
