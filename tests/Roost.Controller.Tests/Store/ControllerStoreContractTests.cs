using Roost.Controller.Store;
using Roost.Core.Model;
using Roost.Core.Network;

namespace Roost.Controller.Tests.Store;

/// <summary>What every <see cref="IControllerStore"/> must do; each implementation's tests inherit this class.</summary>
public abstract class ControllerStoreContractTests
{
    private static readonly DateTimeOffset _t0 = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>A fresh, empty, migrated store.</summary>
    protected abstract Task<IControllerStore> CreateStoreAsync();

    /// <summary>Reopens the same database as <paramref name="store"/> after disposing it.</summary>
    protected abstract Task<IControllerStore> ReopenAsync(IControllerStore store);

    [ContractFact]
    public async Task Migrate_Twice_KeepsLatestVersionAndData()
    {
        await using var store = await CreateStoreAsync();
        await store.UpsertHostAsync(new StoredHost(new HostId(1), "h1", new ResourceVector(8, 32768, 1000)), default);

        var version = await store.MigrateAsync(default);

        Assert.Equal(6, version);
        Assert.Single(await store.GetHostsAsync(default));
    }

    [ContractFact]
    public async Task Vpcs_RoundTrip_AcrossAReopen_AndADeletedVpcTakesItsRulesWithIt()
    {
        await using var store = await CreateStoreAsync();
        var a = await store.CreateVpcAsync(new NewVpc("a", Ipv4Subnet.Parse("10.0.0.0/24"), 20, EnterpriseSite: 1), default);
        var b = await store.CreateVpcAsync(new NewVpc("b", Ipv4Subnet.Parse("10.0.0.0/24"), 0, null), default);
        await store.AddVpcMemberAsync(new VpcMember(a.Id, "vm-3", a.Subnet.Gateway + 2), default);
        Assert.True(await store.AddVpcRuleAsync(new VpcRule(b.Id, null), default));
        Assert.False(await store.AddVpcRuleAsync(new VpcRule(b.Id, null), default));
        Assert.False(await store.DeleteVpcAsync(a.Id, default));
        await using var reopened = await ReopenAsync(store);

        var intent = await reopened.GetNetworkAsync(default);
        Assert.True(await reopened.DeleteVpcAsync(b.Id, default));
        var after = await reopened.GetNetworkAsync(default);

        Assert.Equal([a, b], intent.Vpcs);
        Assert.Equal(new EnterpriseAttachment(1, a.Subnet.Gateway + 1), intent.Vpcs[0].Enterprise);
        Assert.Equal([new VpcMember(a.Id, "vm-3", a.Subnet.Gateway + 2)], intent.Members);
        Assert.Equal([new VpcRule(b.Id, null)], intent.Rules);
        Assert.Equal([a], after.Vpcs);
        Assert.Empty(after.Rules);
    }

    [ContractFact]
    public async Task Inventory_RoundTripsHostsAndVms()
    {
        await using var store = await CreateStoreAsync();
        await store.UpsertHostAsync(new StoredHost(new HostId(2), "b", new ResourceVector(8, 32768, 1000)), default);
        await store.UpsertHostAsync(new StoredHost(new HostId(1), "a", new ResourceVector(4, 16384, 1000), Maintenance: true), default);
        await store.UpsertVmAsync(new StoredVm(new VmId(5), "web", new HostId(1), new ResourceVector(2, 4096, 100), VmState.Running, TimeSpan.FromSeconds(90)), default);
        Assert.True(await store.SetMaintenanceAsync(new HostId(2), true, default));
        Assert.False(await store.SetMaintenanceAsync(new HostId(9), true, default));

        var hosts = await store.GetHostsAsync(default);
        var vm = await store.FindVmAsync(new VmId(5), default);

        Assert.Equal(["a", "b"], hosts.Select(h => h.Name));
        Assert.All(hosts, h => Assert.True(h.Maintenance));
        Assert.Equal(new ResourceVector(4, 16384, 1000), hosts[0].Capacity);
        Assert.NotNull(vm);
        Assert.Equal((new HostId(1), VmState.Running, TimeSpan.FromSeconds(90)), (vm.Host, vm.State, vm.LastMovedAt));
        Assert.Null(await store.FindVmAsync(new VmId(6), default));
    }

    [ContractFact]
    public async Task CreateVm_GivesFreshIdsAboveExistingOnes()
    {
        await using var store = await CreateStoreAsync();
        await store.UpsertVmAsync(new StoredVm(new VmId(7), "old", new HostId(1), new ResourceVector(1, 1024, 10), VmState.Running), default);

        var created = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            store.CreateVmAsync(new NewVm($"new-{i}", new ResourceVector(1, 512, 10), new HostId(3)), default)));

        Assert.Equal(6, created.Select(v => v.Id).Distinct().Count());
        Assert.All(created, v => Assert.True(v.Id.Value > 7));
        var stored = await store.FindVmAsync(created[0].Id, default);
        Assert.NotNull(stored);
        Assert.Equal((VmState.Pending, (HostId?)null, (HostId?)new HostId(3)), (stored.State, stored.Host, stored.RequestedHost));
    }

    [ContractFact]
    public async Task Events_KeepEntityAndSeverity_AndListingsFilterBySeverityAtLeastAndByEntity()
    {
        await using var store = await CreateStoreAsync();
        await store.AddEventAsync(_t0, NewEvent.Info("vm", NewEvent.Vm("web"), "web started"), default);
        await store.AddEventAsync(_t0, NewEvent.Warning("hotspot", NewEvent.Host("sim-03"), "host-3 is hot"), default);
        var error = await store.AddEventAsync(_t0, NewEvent.Error("host", NewEvent.Host("sim-03"), "host-3 cannot be observed"), default);

        Assert.Equal(("host/sim-03", EventSeverity.Error), (error.Entity, error.Severity));
        Assert.Equal(["host-3 cannot be observed", "host-3 is hot"], (await store.GetRecentEventsAsync(10, new EventFilter(EventSeverity.Warning), default)).Select(e => e.Message));
        Assert.Equal(["host-3 cannot be observed"], (await store.GetEventsAsync(0, 10, new EventFilter(EventSeverity.Error), default)).Select(e => e.Message));
        Assert.Equal(["web started"], (await store.GetEventsAsync(0, 10, new EventFilter(Entity: "vm/web"), default)).Select(e => e.Message));
        var all = await store.GetEventsAsync(0, 10, EventFilter.All, default);
        Assert.Equal([("vm/web", EventSeverity.Info), ("host/sim-03", EventSeverity.Warning), ("host/sim-03", EventSeverity.Error)], all.Select(e => (e.Entity, e.Severity)));
    }

    [ContractFact]
    public async Task VmImage_AndPlacementSetting_RoundTripAcrossAReopen_AndSettingsFromBeforePlacementReadAsSpread()
    {
        await using var store = await CreateStoreAsync();
        await store.SetValueAsync("settings", "manual;0.8;2", default);
        Assert.Equal(new ControllerSettings(ControlMode.Manual, 0.8, 2, PlacementPolicy.Spread), await store.GetSettingsAsync(default));
        var created = await store.CreateVmAsync(new NewVm("db", new ResourceVector(1, 128, 10), null, "database"), default);
        var plain = await store.CreateVmAsync(new NewVm("plain", new ResourceVector(1, 128, 10), null), default);
        await store.SaveSettingsAsync(new ControllerSettings(ControlMode.Automatic, 0.7, 3, PlacementPolicy.Sharing), default);

        await using var reopened = await ReopenAsync(store);

        Assert.Equal("database", (await reopened.FindVmAsync(created.Id, default))?.Image);
        Assert.Null((await reopened.FindVmAsync(plain.Id, default))?.Image);
        Assert.Equal(PlacementPolicy.Sharing, (await reopened.GetSettingsAsync(default))?.Placement);
    }

    [ContractFact]
    public async Task DeletedVm_IsNeitherListedNorFound_ItsIdIsNeverReused_AndAnUnnamedVmIsNamedByItsId()
    {
        await using var store = await CreateStoreAsync();
        var kept = await store.CreateVmAsync(new NewVm("kept", new ResourceVector(1, 512, 10), null), default);
        var doomed = await store.CreateVmAsync(new NewVm(null, new ResourceVector(1, 512, 10), null), default);
        Assert.True(await store.TransitionVmAsync(doomed.Id, VmState.Pending, VmState.Failed, default));

        Assert.True(await store.TransitionVmAsync(doomed.Id, VmState.Failed, VmState.Deleted, default));
        var after = await store.CreateVmAsync(new NewVm(null, new ResourceVector(1, 512, 10), null), default);
        var listed = await store.GetVmsAsync(default);

        Assert.Equal(doomed.Id.ToString(), doomed.Name);
        Assert.Null(await store.FindVmAsync(doomed.Id, default));
        Assert.Equal([kept.Id, after.Id], listed.Select(v => v.Id));
        Assert.True(after.Id.Value > doomed.Id.Value, $"{after.Id} reuses or precedes the deleted {doomed.Id}");
    }

    [ContractFact]
    public async Task TransitionVm_OnlyFromExpectedState()
    {
        await using var store = await CreateStoreAsync();
        var vm = await store.CreateVmAsync(new NewVm("x", new ResourceVector(1, 512, 10), null), default);

        Assert.False(await store.TransitionVmAsync(vm.Id, VmState.Running, VmState.Stopping, default));
        Assert.True(await store.TransitionVmAsync(vm.Id, VmState.Pending, VmState.Running, default));
        await store.SetVmPlacementAsync(vm.Id, new HostId(4), new ResourceVector(2, 512, 10), TimeSpan.FromMinutes(3), default);

        var stored = await store.FindVmAsync(vm.Id, default);
        Assert.NotNull(stored);
        Assert.Equal((VmState.Running, (HostId?)new HostId(4), 2.0), (stored.State, stored.Host, stored.Allocation.CpuCores));
    }

    [ContractFact]
    public async Task Plans_StoreActionsInOrderAndTransitionByCompareAndSet()
    {
        await using var store = await CreateStoreAsync();
        var plan = await store.AddPlanAsync(
            new NewPlan(_t0, "sandpiper", PlanStatus.Pending, "relieve host-1",
            [
                new NewAction(ActionKind.Migrate, new VmId(1), new HostId(1), new HostId(2), new ResourceVector(1, 1024, 10), "hot"),
                new NewAction(ActionKind.Resize, new VmId(2), new HostId(1), new HostId(1), new ResourceVector(2, 1024, 10), "pinned"),
            ]),
            default);
        await store.AddPlanAsync(new NewPlan(_t0.AddSeconds(1), "operator", PlanStatus.Approved, "move", []), default);

        Assert.True(await store.TransitionPlanAsync(plan.Id, PlanStatus.Pending, PlanStatus.Approved, default));
        Assert.False(await store.TransitionPlanAsync(plan.Id, PlanStatus.Pending, PlanStatus.Rejected, default));
        var done = plan.Actions[0] with { Status = ActionStatus.Succeeded, StartedAt = _t0, FinishedAt = _t0.AddSeconds(5), Outcome = "arrived" };
        await store.UpdateActionAsync(done, default);

        var loaded = await store.FindPlanAsync(plan.Id, default);
        Assert.NotNull(loaded);
        Assert.Equal(PlanStatus.Approved, loaded.Status);
        Assert.Equal([ActionKind.Migrate, ActionKind.Resize], loaded.Actions.Select(a => a.Kind));
        Assert.Equal((ActionStatus.Succeeded, "arrived", (DateTimeOffset?)_t0.AddSeconds(5)), (loaded.Actions[0].Status, loaded.Actions[0].Outcome, loaded.Actions[0].FinishedAt));
        Assert.Equal(2, (await store.GetPlansAsync(PlanStatus.Approved, 10, default)).Count);
        Assert.Empty(await store.GetPlansAsync(PlanStatus.Pending, 10, default));
        var migrations = await store.GetActionsAsync(ActionKind.Migrate, 10, default);
        Assert.Equal(new VmId(1), Assert.Single(migrations).Vm);
    }

    [ContractFact]
    public async Task SamplesEventsAndSettings_RoundTrip()
    {
        await using var store = await CreateStoreAsync();
        await store.AppendSamplesAsync(
        [
            new HostSample(new HostId(1), _t0, new ResourceVector(1, 2, 3)),
            new HostSample(new HostId(2), _t0, new ResourceVector(4, 5, 6)),
            new HostSample(new HostId(1), _t0.AddMinutes(1), new ResourceVector(7, 8, 9)),
        ],
            default);
        var first = await store.AddEventAsync(_t0, NewEvent.Info("hotspot", NewEvent.Controller, "host-1 hot"), default);
        await store.AddEventAsync(_t0, NewEvent.Info("plan", NewEvent.Controller, "plan 1"), default);
        Assert.Null(await store.GetSettingsAsync(default));
        await store.SaveSettingsAsync(new ControllerSettings(ControlMode.Manual, 0.8, 2), default);

        var pruned = await store.PruneSamplesAsync(_t0.AddSeconds(30), default);

        Assert.Equal(2, pruned);
        Assert.Equal(new ResourceVector(7, 8, 9), Assert.Single(await store.GetSamplesAsync(null, _t0, default)).Usage);
        Assert.Equal(["plan 1"], (await store.GetEventsAsync(first.Id, 10, EventFilter.All, default)).Select(e => e.Message));
        Assert.Equal("plan 1", (await store.GetRecentEventsAsync(1, EventFilter.All, default))[0].Message);
        Assert.Equal(new ControllerSettings(ControlMode.Manual, 0.8, 2), await store.GetSettingsAsync(default));
    }

    [ContractFact]
    public async Task FleetTotals_SumEachSampleInstant_AndCountMigrationsStartedSinceThePreviousOne()
    {
        await using var store = await CreateStoreAsync();
        await store.AppendSamplesAsync(
        [
            new HostSample(new HostId(1), _t0, new ResourceVector(1, 100, 10)),
            new HostSample(new HostId(2), _t0, new ResourceVector(2, 200, 20)),
            new HostSample(new HostId(1), _t0.AddSeconds(10), new ResourceVector(3, 300, 30)),
            new HostSample(new HostId(2), _t0.AddSeconds(10), new ResourceVector(4, 400, 40)),
            new HostSample(new HostId(1), _t0.AddSeconds(20), new ResourceVector(5, 500, 50)),
        ],
            default);
        var plan = await store.AddPlanAsync(
            new NewPlan(_t0, "sandpiper", PlanStatus.Approved, "p",
            [
                new NewAction(ActionKind.Migrate, new VmId(1), new HostId(1), new HostId(2), default, "r"),
                new NewAction(ActionKind.Migrate, new VmId(2), new HostId(1), new HostId(2), default, "r"),
                new NewAction(ActionKind.Migrate, new VmId(3), new HostId(1), new HostId(2), default, "r"),
                new NewAction(ActionKind.Resize, new VmId(4), new HostId(1), new HostId(1), default, "r"),
            ]),
            default);
        var startedAt = new[] { _t0.AddSeconds(5), _t0.AddSeconds(10), _t0.AddSeconds(15), _t0.AddSeconds(12) };
        foreach (var (action, at) in plan.Actions.Zip(startedAt))
        {
            await store.UpdateActionAsync(action with { Status = ActionStatus.Succeeded, StartedAt = at }, default);
        }

        var all = await store.GetFleetTotalsAsync(_t0.AddSeconds(-1), _t0.AddSeconds(20), default);
        var later = await store.GetFleetTotalsAsync(_t0.AddSeconds(5), _t0.AddSeconds(15), default);

        Assert.Equal(
            [(_t0, 2, new ResourceVector(3, 300, 30), 0), (_t0.AddSeconds(10), 2, new ResourceVector(7, 700, 70), 2), (_t0.AddSeconds(20), 1, new ResourceVector(5, 500, 50), 1)],
            all.Select(t => (t.At, t.HostsSampled, t.Usage, t.MigrationsStarted)));
        // Only the instant at 10 s lies in (5 s, 15 s]; its migrations are still those since the instant before it (the resize is none).
        Assert.Equal([(_t0.AddSeconds(10), 2)], later.Select(t => (t.At, t.MigrationsStarted)));
        Assert.Empty(await store.GetFleetTotalsAsync(_t0.AddSeconds(20), _t0.AddSeconds(60), default));
    }

    [ContractFact]
    public async Task Reopen_KeepsEverythingWritten()
    {
        var store = await CreateStoreAsync();
        await store.UpsertHostAsync(new StoredHost(new HostId(1), "h", new ResourceVector(8, 1024, 1000)), default);
        var plan = await store.AddPlanAsync(new NewPlan(_t0, "operator", PlanStatus.Approved, "p", [new NewAction(ActionKind.Migrate, new VmId(1), new HostId(1), new HostId(2), default, "r")]), default);
        await store.SetValueAsync("driver-clock-ms", "1234", default);

        await using var reopened = await ReopenAsync(store);

        Assert.Single(await reopened.GetHostsAsync(default));
        Assert.Equal(PlanStatus.Approved, (await reopened.FindPlanAsync(plan.Id, default))?.Status);
        Assert.Equal("1234", await reopened.GetValueAsync("driver-clock-ms", default));
    }

    [ContractFact]
    public async Task ValuesTheApiCouldNotServe_AreRefused_AndNothingIsStored()
    {
        await using var store = await CreateStoreAsync();
        var host = new HostId(1);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.CreateVmAsync(new NewVm("nan", new ResourceVector(double.NaN, 512, 10), null), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.UpsertVmAsync(new StoredVm(new VmId(1), "inf", host, new ResourceVector(1, double.PositiveInfinity, 10), VmState.Running), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.UpsertVmAsync(new StoredVm(new VmId(2), "state", host, new ResourceVector(1, 1, 1), (VmState)42), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.UpsertHostAsync(new StoredHost(host, "h", new ResourceVector(-1, 1, 1)), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SaveSettingsAsync(new ControllerSettings(ControlMode.Manual, double.NaN, 2), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AppendSamplesAsync([new HostSample(host, _t0, new ResourceVector(double.NaN, 1, 1))], default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AddPlanAsync(
            new NewPlan(_t0, "operator", PlanStatus.Approved, "p", [new NewAction(ActionKind.Migrate, new VmId(1), host, new HostId(2), new ResourceVector(double.NegativeInfinity, 1, 1), "r")]),
            default));

        Assert.Empty(await store.GetVmsAsync(default));
        Assert.Empty(await store.GetHostsAsync(default));
        Assert.Empty(await store.GetPlansAsync(null, 10, default));
        Assert.Empty(await store.GetSamplesAsync(null, DateTimeOffset.UnixEpoch, default));
        Assert.Null(await store.GetSettingsAsync(default));
    }

    [ContractFact]
    public async Task Seed_IsAllOrNothing_AndOnlyOnce()
    {
        await using var store = await CreateStoreAsync();
        var hosts = Enumerable.Range(0, 4).Select(h => new StoredHost(new HostId(h), $"h{h}", new ResourceVector(8, 32768, 1000))).ToList();
        var vms = Enumerable.Range(0, 50).Select(v => new StoredVm(new VmId(v), $"vm{v}", new HostId(v % 4), new ResourceVector(1, 1024, 10), VmState.Running)).ToList();

        // A crash half-way through the VMs (the list fails at its 26th), inside the seed's transaction.
        await Assert.ThrowsAsync<IOException>(() => store.SeedAsync(hosts, new CrashingList<StoredVm>(vms, 25), ControllerSettings.Default, _t0, "first start", default));

        Assert.Empty(await store.GetHostsAsync(default));
        Assert.Empty(await store.GetVmsAsync(default));
        Assert.Null(await store.GetSettingsAsync(default));
        Assert.Empty(await store.GetRecentEventsAsync(10, EventFilter.All, default));

        Assert.True(await store.SeedAsync(hosts, vms, ControllerSettings.Default, _t0, "first start", default));
        Assert.False(await store.SeedAsync(hosts.Take(1).ToList(), [], ControllerSettings.Default, _t0, "again", default));

        Assert.Equal(4, (await store.GetHostsAsync(default)).Count);
        Assert.Equal(50, (await store.GetVmsAsync(default)).Count);
        Assert.Equal(ControllerSettings.Default, await store.GetSettingsAsync(default));
        Assert.Equal(["first start"], (await store.GetRecentEventsAsync(10, EventFilter.All, default)).Select(e => e.Message));
    }

    /// <summary>A list whose enumeration fails at index <c>crashAt</c>, as a process dying there would stop it.</summary>
    private sealed class CrashingList<T>(IReadOnlyList<T> items, int crashAt) : IReadOnlyList<T>
    {
        public int Count => items.Count;

        public T this[int index] => index < crashAt ? items[index] : throw new IOException("simulated crash");

        public IEnumerator<T> GetEnumerator()
        {
            for (var i = 0; i < items.Count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
