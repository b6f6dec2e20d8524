using Roost.Simulation.DataCenter;
using Roost.Simulation.DataCenter.Search;

namespace Roost.Simulation.Tests.DataCenter.Search;

public sealed class HostSearchTreeTests
{
    private static readonly SpecPowerTable _power = new([86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117]);

    /// <summary>A tree of <paramref name="count"/> hosts, all without an offset, host h at allocation 10·h.</summary>
    private static (HostSearchTree Tree, int[] Position) Built(int count)
    {
        var tree = new HostSearchTree(count, _power, totalMips: 3720, peMips: 1860);
        var position = new int[count];
        tree.Clear();
        for (var h = 0; h < count; h++)
        {
            position[h] = tree.PlacePlain(h, h, 10 * h);
        }

        tree.StartOffsetArea();
        tree.Build();
        return (tree, position);
    }

    [Fact]
    public void PlainHosts_FillBlocksInAllocationOrder_LeavingRoomInEach()
    {
        var (tree, position) = Built(120);

        Assert.Equal(Enumerable.Range(0, HostSearchTree.HostsPerBlock), position.Take(HostSearchTree.HostsPerBlock));
        Assert.Equal(HostSearchTree.BlockLeaves, position[HostSearchTree.HostsPerBlock]);
        Assert.Equal(-1, tree.HostAt(HostSearchTree.HostsPerBlock));
    }

    [Fact]
    public void HostTakingAnOffset_MovesPastThePlainHosts_AndEmptiesItsLeaf()
    {
        var (tree, position) = Built(120);

        var moved = tree.Relocate(position[5], hasOffset: true, allocated: 3000);

        Assert.True(moved >= 3 * HostSearchTree.BlockLeaves, $"moved to leaf {moved}, inside the plain area");
        Assert.Equal(5, tree.HostAt(moved));
        Assert.Equal(-1, tree.HostAt(position[5]));
        Assert.Equal(moved, tree.Relocate(moved, hasOffset: true, allocated: 3100));
    }

    [Fact]
    public void HostWhoseOffsetReturnsToZero_GoesBackToTheBlockOfItsAllocation()
    {
        var (tree, position) = Built(120);
        var moved = tree.Relocate(position[100], hasOffset: true, allocated: 2000);

        var back = tree.Relocate(moved, hasOffset: false, allocated: 10 * 100);

        Assert.Equal(100 / HostSearchTree.HostsPerBlock, back / HostSearchTree.BlockLeaves);
        Assert.Equal(100, tree.HostAt(back));
        Assert.Equal(back, tree.Relocate(back, hasOffset: false, allocated: 10 * 100));
    }

    [Fact]
    public void FullOffsetArea_LeavesHostsInPlace_AndAsksForARebuild()
    {
        var (tree, position) = Built(120);
        var h = 0;
        while (!tree.IsFull)
        {
            tree.Relocate(position[h++], hasOffset: true, allocated: 3000);
        }

        Assert.Equal(position[h], tree.Relocate(position[h], hasOffset: true, allocated: 3000));
        Assert.Equal(h, tree.HostAt(position[h]));
    }
}
