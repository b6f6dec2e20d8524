using Roost.Controller.Control;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>
/// A VM as stored, with its last observed usage and migration target when running, its guest image profile (null: the
/// host's default) and the distinct non-zero pages of its last page fingerprint (null until one was read).
/// </summary>
public sealed record VmResponse(int Id, string Name, int? Host, ResourcesDto Allocation, VmState State, ResourcesDto? Usage, int? MigratingTo, int? RequestedHost, string? Image, long? FingerprintPages)
{
    public static VmResponse From(StoredVm vm, VmLive? live) =>
        new(
            vm.Id.Value,
            vm.Name,
            vm.Host?.Value,
            ResourcesDto.From(vm.Allocation),
            vm.State,
            live is null ? null : ResourcesDto.From(live.Usage),
            live?.MigratingTo?.Value,
            vm.RequestedHost?.Value,
            vm.Image,
            live?.FingerprintPages);
}
