namespace Roost.Core.Sharing;

/// <summary>Chooses a host for one VM. Pure: equal inputs give equal answers; ties go to the lowest host id.</summary>
public interface ISharingPlacementPolicy
{
    string Name { get; }

    SharingPlacementResult Place(SharingVm vm, IReadOnlyList<SharingHost> hosts);
}
