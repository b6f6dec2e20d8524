using Roost.Core.Network;

namespace Roost.Core.Tests.Network;

public sealed class AddressAllocatorTests
{
    [Fact]
    public void Next_SkipsTheGatewayTheEnterpriseAndMembers_PerVpc()
    {
        var a = new Vpc(new VpcId(1), "a", Ipv4Subnet.Parse("10.0.0.0/24"), Enterprise: new EnterpriseAttachment(1, SitePlannerTests.Address("10.0.0.2")));
        var b = new Vpc(new VpcId(2), "b", Ipv4Subnet.Parse("10.0.0.0/24"));
        VpcMember[] members = [new(a.Id, "x", SitePlannerTests.Address("10.0.0.3"))];

        Assert.Equal("10.0.0.4", Ipv4Subnet.FormatAddress(AddressAllocator.Next(a, members) ?? 0));
        Assert.Equal("10.0.0.2", Ipv4Subnet.FormatAddress(AddressAllocator.Next(b, members) ?? 0));
    }

    [Fact]
    public void Next_AFullRange_IsNull()
    {
        var small = new Vpc(new VpcId(1), "a", Ipv4Subnet.Parse("10.0.0.0/29"));
        var members = Enumerable.Range(2, 5).Select(i => new VpcMember(small.Id, $"vm{i}", SitePlannerTests.Address($"10.0.0.{i}"))).ToList();

        Assert.Null(AddressAllocator.Next(small, members));
    }

    [Theory]
    [InlineData("10.0.0.0/24", null)]
    [InlineData("10.0.0.1/24", "host bits")]
    [InlineData("10.0.0.0/8", "prefix length")]
    [InlineData("10.0.00.0/24", "not an IPv4 subnet")]
    [InlineData("10.0.0.0/24\n", "not an IPv4 subnet")]
    public void Subnet_Parse_AcceptsOnlyCanonicalRanges(string text, string? complaint)
    {
        var ok = Ipv4Subnet.TryParse(text, out _, out var error);

        Assert.Equal(complaint is null, ok);
        if (complaint is not null)
        {
            Assert.Contains(complaint, error);
        }
    }
}
