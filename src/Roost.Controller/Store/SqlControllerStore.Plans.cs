using System.Data.Common;
using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>Plans and their actions.</summary>
internal abstract partial class SqlControllerStore
{
    private const string ActionColumns =
        "id, plan_id, seq, kind, vm_id, from_host, to_host, cpu_cores, memory_mib, network_mbps, reason, status, started_at_ms, finished_at_ms, outcome";

    public async Task<StoredPlan> AddPlanAsync(NewPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var id = await ScalarLongAsync(
            connection,
            transaction,
            "INSERT INTO plans (created_at_ms, source, status, summary) VALUES (@at, @source, @status, @summary) RETURNING id",
            cancellationToken,
            ("at", plan.CreatedAt.ToUnixTimeMilliseconds()), ("source", StoredValues.Name(plan.Source, "plan source")), ("status", Name(plan.Status)), ("summary", StoredValues.Text(plan.Summary))).ConfigureAwait(false);
        var actions = new List<StoredAction>(plan.Actions.Count);
        for (var i = 0; i < plan.Actions.Count; i++)
        {
            var a = plan.Actions[i];
            var actionId = await ScalarLongAsync(
                connection,
                transaction,
                """
                INSERT INTO actions (plan_id, seq, kind, vm_id, from_host, to_host, cpu_cores, memory_mib, network_mbps, reason, status)
                VALUES (@plan, @seq, @kind, @vm, @from, @to, @cpu, @mem, @net, @reason, @status) RETURNING id
                """,
                cancellationToken,
                ("plan", id), ("seq", (long)i), ("kind", Name(a.Kind)), ("vm", (long)a.Vm.Value), ("from", (long)a.From.Value),
                ("to", (long)a.To.Value), ("cpu", StoredValues.Resources(a.Allocation, $"action on {a.Vm}").CpuCores), ("mem", a.Allocation.MemoryMiB),
                ("net", a.Allocation.NetworkMbps), ("reason", StoredValues.Text(a.Reason)), ("status", Name(ActionStatus.Planned))).ConfigureAwait(false);
            actions.Add(new StoredAction(actionId, id, i, a.Kind, a.Vm, a.From, a.To, a.Allocation, a.Reason, ActionStatus.Planned));
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new StoredPlan(id, plan.CreatedAt, plan.Source, plan.Status, plan.Summary, actions);
    }

    public async Task<StoredPlan?> FindPlanAsync(long id, CancellationToken cancellationToken) =>
        FirstOrNull(await LoadPlansAsync("WHERE id = @id", 1, cancellationToken, ("id", id)).ConfigureAwait(false));

    public async Task<IReadOnlyList<StoredPlan>> GetPlansAsync(PlanStatus? status, int limit, CancellationToken cancellationToken) =>
        status is { } s
            ? await LoadPlansAsync("WHERE status = @status", limit, cancellationToken, ("status", Name(s))).ConfigureAwait(false)
            : await LoadPlansAsync("", limit, cancellationToken).ConfigureAwait(false);

    public async Task<bool> TransitionPlanAsync(long id, PlanStatus expected, PlanStatus target, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "UPDATE plans SET status = @to WHERE id = @id AND status = @from",
            cancellationToken,
            ("to", Name(target)), ("id", id), ("from", Name(expected))).ConfigureAwait(false) == 1;

    public async Task UpdateActionAsync(StoredAction action, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        await ExecuteAsync(
            "UPDATE actions SET status = @status, started_at_ms = @started, finished_at_ms = @finished, outcome = @outcome WHERE id = @id",
            cancellationToken,
            ("status", Name(action.Status)), ("started", Millis(action.StartedAt)), ("finished", Millis(action.FinishedAt)),
            ("outcome", action.Outcome is { } outcome ? StoredValues.Text(outcome) : null), ("id", action.Id)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<StoredAction>> GetActionsAsync(ActionKind? kind, int limit, CancellationToken cancellationToken) =>
        kind is { } k
            ? await QueryAsync($"SELECT {ActionColumns} FROM actions WHERE kind = @kind ORDER BY id DESC LIMIT @limit", ReadAction, cancellationToken, ("kind", Name(k)), ("limit", (long)limit)).ConfigureAwait(false)
            : await QueryAsync($"SELECT {ActionColumns} FROM actions ORDER BY id DESC LIMIT @limit", ReadAction, cancellationToken, ("limit", (long)limit)).ConfigureAwait(false);

    private async Task<IReadOnlyList<StoredPlan>> LoadPlansAsync(string where, int limit, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var heads = await QueryAsync(
            connection,
            null,
            $"SELECT id, created_at_ms, source, status, summary FROM plans {where} ORDER BY id DESC LIMIT {Math.Max(0, limit)}",
            r => (Id: Long(r, 0), At: Time(r, 1), Source: r.GetString(2), Status: Enum.Parse<PlanStatus>(r.GetString(3), ignoreCase: true), Summary: r.GetString(4)),
            cancellationToken,
            parameters).ConfigureAwait(false);
        if (heads.Count == 0)
        {
            return [];
        }

        var low = heads.Min(h => h.Id);
        var high = heads.Max(h => h.Id);
        var actions = await QueryAsync(
            connection,
            null,
            $"SELECT {ActionColumns} FROM actions WHERE plan_id BETWEEN @low AND @high ORDER BY plan_id, seq",
            ReadAction,
            cancellationToken,
            ("low", low), ("high", high)).ConfigureAwait(false);
        var byPlan = actions.GroupBy(a => a.PlanId).ToDictionary(g => g.Key, g => (IReadOnlyList<StoredAction>)[.. g]);
        return [.. heads.Select(h => new StoredPlan(h.Id, h.At, h.Source, h.Status, h.Summary, byPlan.GetValueOrDefault(h.Id, [])))];
    }

    private static StoredAction ReadAction(DbDataReader r) =>
        new(
            Long(r, 0),
            Long(r, 1),
            Int(r, 2),
            Enum.Parse<ActionKind>(r.GetString(3), ignoreCase: true),
            new VmId(Int(r, 4)),
            new HostId(Int(r, 5)),
            new HostId(Int(r, 6)),
            Vector(r, 7),
            r.GetString(10),
            Enum.Parse<ActionStatus>(r.GetString(11), ignoreCase: true),
            OptionalTime(r, 12),
            OptionalTime(r, 13),
            r.IsDBNull(14) ? null : r.GetString(14));
}
