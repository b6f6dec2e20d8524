using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>
/// A VM in the inventory. <see cref="Host"/> is where it runs (null until placed). <see cref="RequestedHost"/> is the
/// placement asked for at creation, if any. <see cref="LastMovedAt"/> is on the driver's clock. <see cref="Image"/> is
/// the guest image profile it boots (null: the host's default).
/// </summary>
public sealed record StoredVm(
    VmId Id,
    string Name,
    HostId? Host,
    ResourceVector Allocation,
    VmState State,
    TimeSpan? LastMovedAt = null,
    HostId? RequestedHost = null,
    string? Image = null);
