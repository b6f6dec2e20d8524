using Roost.Core.Model;
using Roost.Core.Network;

namespace Roost.Controller.Store;

/// <summary>
/// Everything the controller must not forget: inventory and placement, downsampled host samples, plans with their
/// actions and outcomes, events, settings. Every write is durable when the returned task completes, so whatever the API
/// acknowledged survives a crash. Safe for concurrent callers: state changes that race (approve vs. supersede, stop vs.
/// placement) are compare-and-set on the row's status, never read-modify-write.
/// </summary>
public interface IControllerStore : IAsyncDisposable
{
    /// <summary>Short name for logs: <c>sqlite:/path</c>, <c>postgres:host/db</c> (no password).</summary>
    string Description { get; }

    /// <summary>Files the store keeps on this machine (all owner-only); none for a database server.</summary>
    IReadOnlyList<string> Files { get; }

    /// <summary>
    /// The store's writer lock, or null when another controller holds it: only its holder may migrate, seed or write
    /// (readers need none). Throws what the store throws when it is unreachable.
    /// </summary>
    Task<IStoreWriterLock?> TryLockAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The first start, in one transaction: hosts, VMs, settings and the event saying so are all stored or none is.
    /// False (and no change) when the store already holds hosts.
    /// </summary>
    Task<bool> SeedAsync(IReadOnlyList<StoredHost> hosts, IReadOnlyList<StoredVm> vms, ControllerSettings settings, DateTimeOffset at, string message, CancellationToken cancellationToken);

    /// <summary>Brings the schema to the latest version; returns that version.</summary>
    Task<int> MigrateAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<StoredHost>> GetHostsAsync(CancellationToken cancellationToken);

    Task UpsertHostAsync(StoredHost host, CancellationToken cancellationToken);

    Task<bool> SetMaintenanceAsync(HostId host, bool maintenance, CancellationToken cancellationToken);

    /// <summary>Every VM but the deleted ones, by id.</summary>
    Task<IReadOnlyList<StoredVm>> GetVmsAsync(CancellationToken cancellationToken);

    /// <summary>The VM with this id, or null when there is none or it was deleted.</summary>
    Task<StoredVm?> FindVmAsync(VmId vm, CancellationToken cancellationToken);

    /// <summary>Inserts or replaces a VM with a given id (inventory discovered from the driver).</summary>
    Task UpsertVmAsync(StoredVm vm, CancellationToken cancellationToken);

    /// <summary>Stores a VM asked for by an operator, in state <see cref="VmState.Pending"/>, under an id no VM ever had (deleted ones included).</summary>
    Task<StoredVm> CreateVmAsync(NewVm vm, CancellationToken cancellationToken);

    /// <summary>Records where a VM runs and what it holds; leaves its state alone.</summary>
    Task SetVmPlacementAsync(VmId vm, HostId? host, ResourceVector allocation, TimeSpan? lastMovedAt, CancellationToken cancellationToken);

    /// <summary>Moves a VM from one state to another; false (and no change) if it was not in <paramref name="expected"/>.</summary>
    Task<bool> TransitionVmAsync(VmId vm, VmState expected, VmState target, CancellationToken cancellationToken);

    Task AppendSamplesAsync(IReadOnlyList<HostSample> samples, CancellationToken cancellationToken);

    /// <summary>Samples at or after <paramref name="since"/>, oldest first; of one host or of all.</summary>
    Task<IReadOnlyList<HostSample>> GetSamplesAsync(HostId? host, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// The fleet's summed samples at each stored instant in (<paramref name="after"/>, <paramref name="until"/>], oldest
    /// first, with the migrations started between consecutive instants: the dashboard's charts, kept across restarts.
    /// </summary>
    Task<IReadOnlyList<FleetTotal>> GetFleetTotalsAsync(DateTimeOffset after, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Deletes samples older than <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneSamplesAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>Stores a plan and its actions (all <see cref="ActionStatus.Planned"/>) atomically.</summary>
    Task<StoredPlan> AddPlanAsync(NewPlan plan, CancellationToken cancellationToken);

    Task<StoredPlan?> FindPlanAsync(long id, CancellationToken cancellationToken);

    /// <summary>Plans newest first, optionally of one status, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StoredPlan>> GetPlansAsync(PlanStatus? status, int limit, CancellationToken cancellationToken);

    /// <summary>Compare-and-set on a plan's status; false (and no change) if it was not in <paramref name="expected"/>.</summary>
    Task<bool> TransitionPlanAsync(long id, PlanStatus expected, PlanStatus target, CancellationToken cancellationToken);

    /// <summary>Writes an action's status, times and outcome.</summary>
    Task UpdateActionAsync(StoredAction action, CancellationToken cancellationToken);

    /// <summary>Actions newest first, optionally of one kind, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StoredAction>> GetActionsAsync(ActionKind? kind, int limit, CancellationToken cancellationToken);

    Task<StoredEvent> AddEventAsync(DateTimeOffset at, NewEvent e, CancellationToken cancellationToken);

    /// <summary>Events with an id above <paramref name="afterId"/> that <paramref name="filter"/> keeps, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StoredEvent>> GetEventsAsync(long afterId, int limit, EventFilter filter, CancellationToken cancellationToken);

    /// <summary>The latest events that <paramref name="filter"/> keeps, newest first.</summary>
    Task<IReadOnlyList<StoredEvent>> GetRecentEventsAsync(int limit, EventFilter filter, CancellationToken cancellationToken);

    /// <summary>Every VPC with its members and rules: what each site's kernel network is derived from.</summary>
    Task<NetworkIntent> GetNetworkAsync(CancellationToken cancellationToken);

    /// <summary>Stores a new VPC under an id no VPC ever had (ids name kernel objects); throws when the name is taken.</summary>
    Task<Vpc> CreateVpcAsync(NewVpc vpc, CancellationToken cancellationToken);

    /// <summary>Deletes a VPC that has no members, and every rule naming it; false (and no change) when it has members or does not exist.</summary>
    Task<bool> DeleteVpcAsync(VpcId vpc, CancellationToken cancellationToken);

    /// <summary>Adds a member; throws when the VM is already a member of that VPC or the address is taken there.</summary>
    Task AddVpcMemberAsync(VpcMember member, CancellationToken cancellationToken);

    Task<bool> RemoveVpcMemberAsync(VpcId vpc, VmId vm, CancellationToken cancellationToken);

    Task<bool> AddVpcRuleAsync(VpcRule rule, CancellationToken cancellationToken);

    Task<bool> RemoveVpcRuleAsync(VpcRule rule, CancellationToken cancellationToken);

    Task<ControllerSettings?> GetSettingsAsync(CancellationToken cancellationToken);

    Task SaveSettingsAsync(ControllerSettings settings, CancellationToken cancellationToken);

    Task<string?> GetValueAsync(string key, CancellationToken cancellationToken);

    Task SetValueAsync(string key, string value, CancellationToken cancellationToken);
}
