using Roost.Controller.Store;
using Roost.Core.Model;
using Roost.Core.Network;

namespace Roost.Controller.Tests.Control;

/// <summary>A store that counts the reads passed to the store it wraps (writes pass uncounted).</summary>
internal sealed class CountingStore(IControllerStore inner) : IControllerStore
{
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    public string Description => inner.Description;

    public IReadOnlyList<string> Files => inner.Files;

    public Task<IStoreWriterLock?> TryLockAsync(CancellationToken cancellationToken) => inner.TryLockAsync(cancellationToken);

    public Task<bool> SeedAsync(IReadOnlyList<StoredHost> hosts, IReadOnlyList<StoredVm> vms, ControllerSettings settings, DateTimeOffset at, string message, CancellationToken cancellationToken) =>
        inner.SeedAsync(hosts, vms, settings, at, message, cancellationToken);

    public Task<int> MigrateAsync(CancellationToken cancellationToken) => inner.MigrateAsync(cancellationToken);

    public Task<IReadOnlyList<StoredHost>> GetHostsAsync(CancellationToken cancellationToken) => Read(inner.GetHostsAsync(cancellationToken));

    public Task UpsertHostAsync(StoredHost host, CancellationToken cancellationToken) => inner.UpsertHostAsync(host, cancellationToken);

    public Task<bool> SetMaintenanceAsync(HostId host, bool maintenance, CancellationToken cancellationToken) => inner.SetMaintenanceAsync(host, maintenance, cancellationToken);

    public Task<IReadOnlyList<StoredVm>> GetVmsAsync(CancellationToken cancellationToken) => Read(inner.GetVmsAsync(cancellationToken));

    public Task<StoredVm?> FindVmAsync(VmId vm, CancellationToken cancellationToken) => Read(inner.FindVmAsync(vm, cancellationToken));

    public Task UpsertVmAsync(StoredVm vm, CancellationToken cancellationToken) => inner.UpsertVmAsync(vm, cancellationToken);

    public Task<StoredVm> CreateVmAsync(NewVm vm, CancellationToken cancellationToken) => inner.CreateVmAsync(vm, cancellationToken);

    public Task SetVmPlacementAsync(VmId vm, HostId? host, ResourceVector allocation, TimeSpan? lastMovedAt, CancellationToken cancellationToken) =>
        inner.SetVmPlacementAsync(vm, host, allocation, lastMovedAt, cancellationToken);

    public Task<bool> TransitionVmAsync(VmId vm, VmState expected, VmState target, CancellationToken cancellationToken) => inner.TransitionVmAsync(vm, expected, target, cancellationToken);

    public Task AppendSamplesAsync(IReadOnlyList<HostSample> samples, CancellationToken cancellationToken) => inner.AppendSamplesAsync(samples, cancellationToken);

    public Task<IReadOnlyList<HostSample>> GetSamplesAsync(HostId? host, DateTimeOffset since, CancellationToken cancellationToken) => Read(inner.GetSamplesAsync(host, since, cancellationToken));

    public Task<IReadOnlyList<FleetTotal>> GetFleetTotalsAsync(DateTimeOffset after, DateTimeOffset until, CancellationToken cancellationToken) =>
        Read(inner.GetFleetTotalsAsync(after, until, cancellationToken));

    public Task<int> PruneSamplesAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.PruneSamplesAsync(before, cancellationToken);

    public Task<StoredPlan> AddPlanAsync(NewPlan plan, CancellationToken cancellationToken) => inner.AddPlanAsync(plan, cancellationToken);

    public Task<StoredPlan?> FindPlanAsync(long id, CancellationToken cancellationToken) => Read(inner.FindPlanAsync(id, cancellationToken));

    public Task<IReadOnlyList<StoredPlan>> GetPlansAsync(PlanStatus? status, int limit, CancellationToken cancellationToken) => Read(inner.GetPlansAsync(status, limit, cancellationToken));

    public Task<bool> TransitionPlanAsync(long id, PlanStatus expected, PlanStatus target, CancellationToken cancellationToken) => inner.TransitionPlanAsync(id, expected, target, cancellationToken);

    public Task UpdateActionAsync(StoredAction action, CancellationToken cancellationToken) => inner.UpdateActionAsync(action, cancellationToken);

    public Task<IReadOnlyList<StoredAction>> GetActionsAsync(ActionKind? kind, int limit, CancellationToken cancellationToken) => Read(inner.GetActionsAsync(kind, limit, cancellationToken));

    public Task<StoredEvent> AddEventAsync(DateTimeOffset at, NewEvent e, CancellationToken cancellationToken) => inner.AddEventAsync(at, e, cancellationToken);

    public Task<IReadOnlyList<StoredEvent>> GetEventsAsync(long afterId, int limit, EventFilter filter, CancellationToken cancellationToken) => Read(inner.GetEventsAsync(afterId, limit, filter, cancellationToken));

    public Task<IReadOnlyList<StoredEvent>> GetRecentEventsAsync(int limit, EventFilter filter, CancellationToken cancellationToken) => Read(inner.GetRecentEventsAsync(limit, filter, cancellationToken));

    public Task<NetworkIntent> GetNetworkAsync(CancellationToken cancellationToken) => Read(inner.GetNetworkAsync(cancellationToken));

    public Task<Vpc> CreateVpcAsync(NewVpc vpc, CancellationToken cancellationToken) => inner.CreateVpcAsync(vpc, cancellationToken);

    public Task<bool> DeleteVpcAsync(VpcId vpc, CancellationToken cancellationToken) => inner.DeleteVpcAsync(vpc, cancellationToken);

    public Task AddVpcMemberAsync(VpcMember member, CancellationToken cancellationToken) => inner.AddVpcMemberAsync(member, cancellationToken);

    public Task<bool> RemoveVpcMemberAsync(VpcId vpc, VmId vm, CancellationToken cancellationToken) => inner.RemoveVpcMemberAsync(vpc, vm, cancellationToken);

    public Task<bool> AddVpcRuleAsync(VpcRule rule, CancellationToken cancellationToken) => inner.AddVpcRuleAsync(rule, cancellationToken);

    public Task<bool> RemoveVpcRuleAsync(VpcRule rule, CancellationToken cancellationToken) => inner.RemoveVpcRuleAsync(rule, cancellationToken);

    public Task<ControllerSettings?> GetSettingsAsync(CancellationToken cancellationToken) => Read(inner.GetSettingsAsync(cancellationToken));

    public Task SaveSettingsAsync(ControllerSettings settings, CancellationToken cancellationToken) => inner.SaveSettingsAsync(settings, cancellationToken);

    public Task<string?> GetValueAsync(string key, CancellationToken cancellationToken) => Read(inner.GetValueAsync(key, cancellationToken));

    public Task SetValueAsync(string key, string value, CancellationToken cancellationToken) => inner.SetValueAsync(key, value, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private Task<T> Read<T>(Task<T> read)
    {
        Interlocked.Increment(ref _reads);
        return read;
    }
}
