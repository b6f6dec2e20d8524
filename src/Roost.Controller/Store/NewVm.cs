using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>A VM asked for through the API; the store gives it an id and the state <see cref="VmState.Pending"/>.</summary>
public sealed record NewVm(string Name, ResourceVector Allocation, HostId? RequestedHost);
