using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class SharingAwarePlacementBloomBloomTests : SharingAwarePlacementTests
{
    protected override SharingPlacementOptions Options => new(SharingEstimateKind.BloomBloom);
}
