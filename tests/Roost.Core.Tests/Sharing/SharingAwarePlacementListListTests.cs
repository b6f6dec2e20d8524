using Roost.Core.Sharing;

namespace Roost.Core.Tests.Sharing;

public sealed class SharingAwarePlacementListListTests : SharingAwarePlacementTests
{
    protected override SharingPlacementOptions Options => SharingPlacementOptions.Exact;
}
