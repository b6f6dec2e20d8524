namespace Roost.Core.Recovery;

/// <summary>
/// What an application needs from its DR site: how many servers run it, how much disk it keeps, how much of that
/// changes a day (what replication ships), and how much it sends to clients a day (what a failed-over copy serves
/// from the cloud).
/// </summary>
public sealed record DrApplication(string Name, string Description, int Servers, double StorageGb, double ChangeGbPerDay, double ClientOutGbPerDay)
{
    /// <summary>
    /// The three kinds of application the paper prices (§3). Their sizes are this model's inputs, stated in
    /// docs/experiments/dr.md: the paper's own sizes could not be retrieved here.
    /// </summary>
    public static IReadOnlyList<DrApplication> Presets { get; } =
    [
        new("web", "multi-tier web application: front end and database server, small disk, steady writes", Servers: 2, StorageGb: 100, ChangeGbPerDay: 2, ClientOutGbPerDay: 20),
        new("database", "transactional database: one large server, write-heavy", Servers: 1, StorageGb: 500, ChangeGbPerDay: 25, ClientOutGbPerDay: 5),
        new("warehouse", "data warehouse: a cluster over a large data set, loaded in nightly batches", Servers: 4, StorageGb: 10_000, ChangeGbPerDay: 100, ClientOutGbPerDay: 1),
    ];

    /// <summary>Null when the sizes are usable (at least one server; finite sizes of at least 0), else one line naming the first that is not.</summary>
    public string? Validate()
    {
        if (Servers < 1)
        {
            return $"application {Name}: {Servers} servers (needs at least 1)";
        }

        (string What, double Value)[] sizes = [("storage GB", StorageGb), ("changed GB a day", ChangeGbPerDay), ("client GB a day", ClientOutGbPerDay)];
        return sizes.Where(s => !double.IsFinite(s.Value) || s.Value < 0).Select(s => $"application {Name}: {s.What} {s.Value} is not a finite number of at least 0").FirstOrDefault();
    }
}
