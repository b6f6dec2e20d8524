using Roost.Controller.Control;
using Roost.Controller.Store;

namespace Roost.Controller.Api;

/// <summary>A VM as stored, with its last observed usage and migration target when running.</summary>
public sealed record VmResponse(int Id, string Name, int? Host, ResourcesDto Allocation, VmState State, ResourcesDto? Usage, int? MigratingTo, int? RequestedHost)
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
            vm.RequestedHost?.Value);
}
