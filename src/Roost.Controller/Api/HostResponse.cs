using Roost.Controller.Control;

namespace Roost.Controller.Api;

/// <summary>A host with its last observed usage, power (W) and whether Sandpiper finds it hot.</summary>
public sealed record HostResponse(int Id, string Name, ResourcesDto Capacity, ResourcesDto Usage, double PowerWatts, bool Hot, bool Maintenance, int VmCount)
{
    public static HostResponse From(HostLive h) =>
        new(h.Id.Value, h.Name, ResourcesDto.From(h.Capacity), ResourcesDto.From(h.Usage), Math.Round(h.PowerWatts, 1), h.Hot, h.Maintenance, h.VmCount);
}
