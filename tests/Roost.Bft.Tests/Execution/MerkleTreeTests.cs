using Roost.Bft.Execution;

namespace Roost.Bft.Tests.Execution;

public sealed class MerkleTreeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    public void SetLeafAndRecompute_EqualsBuildingAfresh(int count)
    {
        var random = new Random(count);
        var objects = Enumerable.Range(0, count).Select(i => new byte[] { (byte)i }).ToArray();
        var tree = MerkleTree.Build(objects);

        for (var i = 0; i < 10; i++)
        {
            var k = random.Next(count);
            objects[k] = [(byte)random.Next(256), (byte)i];
            tree.SetLeaf(k, MerkleTree.LeafHash(k, objects[k]));
        }

        tree.Recompute();
        Assert.Equal(MerkleTree.Build(objects).Root, tree.Root);
    }

    [Fact]
    public void Partial_AcceptsOnlyChildrenThatHashToAKnownParent()
    {
        var objects = Enumerable.Range(0, 8).Select(i => new byte[] { (byte)i }).ToArray();
        var full = MerkleTree.Build(objects);
        var partial = MerkleTree.Partial(8, full.Root);

        Assert.False(partial.TryAcceptChildren(2, full.Node(4), full.Node(5)));
        Assert.False(partial.TryAcceptChildren(1, full.Node(3), full.Node(2)));
        Assert.True(partial.TryAcceptChildren(1, full.Node(2), full.Node(3)));
        Assert.True(partial.TryAcceptChildren(2, full.Node(4), full.Node(5)));
        Assert.True(partial.IsKnown(5));
        Assert.False(partial.IsKnown(6));
    }

    [Fact]
    public void LeafHash_DependsOnIndexAndContent()
    {
        Assert.NotEqual(MerkleTree.LeafHash(0, [1]), MerkleTree.LeafHash(1, [1]));
        Assert.NotEqual(MerkleTree.LeafHash(0, [1]), MerkleTree.LeafHash(0, [2]));
    }
}
