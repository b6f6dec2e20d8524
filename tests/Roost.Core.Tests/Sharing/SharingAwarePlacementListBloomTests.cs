using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class SharingAwarePlacementListBloomTests : SharingAwarePlacementTests
{
    protected override SharingPlacementOptions Options => new(SharingEstimateKind.ListBloom);
}
