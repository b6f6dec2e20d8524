using Roost.Controller.Control;

namespace Roost.Controller.Api;

/// <summary>
/// A host with its last observed usage, power (W), whether Sandpiper finds it hot, and why it could not be observed
/// (null when it was: e.g. its agent does not answer).
/// </summary>
public sealed record HostResponse(int Id, string Name, ResourcesDto Capacity, ResourcesDto Usage, double PowerWatts, bool Hot, bool Maintenance, int VmCount, string? Problem)
{
    public static HostResponse From(HostLive h) =>
        new(h.Id.Value, h.Name, ResourcesDto.From(h.Capacity), ResourcesDto.From(h.Usage), Math.Round(h.PowerWatts, 1), h.Hot, h.Maintenance, h.VmCount, h.Problem);
}
