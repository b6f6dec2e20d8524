namespace Roost.Controller.Store;

/// <summary>The fleet's history for charts, summed in the database so a 1,000-host hour is a few hundred rows.</summary>
internal abstract partial class SqlControllerStore
{
    public async Task<IReadOnlyList<FleetTotal>> GetFleetTotalsAsync(DateTimeOffset after, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var (from, to) = (after.ToUnixTimeMilliseconds(), until.ToUnixTimeMilliseconds());
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var sums = await QueryAsync(
            connection,
            null,
            """
            SELECT at_ms, COUNT(*), SUM(cpu_cores), SUM(memory_mib), SUM(network_mbps) FROM samples
            WHERE at_ms > @after AND at_ms <= @until GROUP BY at_ms ORDER BY at_ms
            """,
            r => (At: Long(r, 0), Hosts: Int(r, 1), Usage: Vector(r, 2)),
            cancellationToken,
            ("after", from), ("until", to)).ConfigureAwait(false);
        if (sums.Count == 0)
        {
            return [];
        }

        // Migrations are counted in (previous sample instant, this one]; the first row's previous instant is the last
        // one at or before 'after' (or, with none, the first row counts nothing before its own instant's window).
        var previous = await ScalarLongAsync(connection, null, "SELECT COALESCE(MAX(at_ms), -1) FROM samples WHERE at_ms <= @after", cancellationToken, ("after", from)).ConfigureAwait(false);
        var lowest = previous < 0 ? sums[0].At - 1 : previous;
        var starts = await QueryAsync(
            connection,
            null,
            "SELECT started_at_ms FROM actions WHERE kind = @kind AND started_at_ms > @low AND started_at_ms <= @high ORDER BY started_at_ms",
            r => Long(r, 0),
            cancellationToken,
            ("kind", Name(ActionKind.Migrate)), ("low", lowest), ("high", sums[^1].At)).ConfigureAwait(false);
        var totals = new FleetTotal[sums.Count];
        var next = 0;
        for (var i = 0; i < sums.Count; i++)
        {
            var started = 0;
            while (next < starts.Count && starts[next] <= sums[i].At)
            {
                started++;
                next++;
            }

            totals[i] = new FleetTotal(DateTimeOffset.FromUnixTimeMilliseconds(sums[i].At), sums[i].Hosts, sums[i].Usage, started);
        }

        return totals;
    }
}
