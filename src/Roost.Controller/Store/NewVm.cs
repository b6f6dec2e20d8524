using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>
/// A VM asked for through the API; the store gives it an id, the state <see cref="VmState.Pending"/>, and, without a
/// name, its id as name (<c>vm-N</c>). <see cref="Image"/>: the guest image profile it boots (null: the host's default).
/// </summary>
public sealed record NewVm(string? Name, ResourceVector Allocation, HostId? RequestedHost, string? Image = null);
