using Roost.Simulation.Workloads;

namespace Roost.Simulation.Tests.Workloads;

public sealed class WorkloadSourceTests
{
    [Fact]
    public void Load_Synthetic_UsesDefaultSeedAndSize()
    {
        var workload = WorkloadSource.Load("synthetic");

        Assert.Equal("synthetic:1", workload.Name);
        Assert.Equal(SyntheticWorkload.DefaultVms, workload.Vms.Count);
        Assert.Equal(SyntheticWorkload.DefaultSteps, workload.Steps);
    }

    [Fact]
    public void Load_SyntheticSeedAndVms_AreHonoured()
    {
        var workload = WorkloadSource.Load("synthetic:42:10");

        Assert.Equal("synthetic:42", workload.Name);
        Assert.Equal(10, workload.Vms.Count);
    }

    [Theory]
    [InlineData("azure:x", "--workload: unknown workload 'azure:x'; expected synthetic[:SEED[:VMS]], planetlab:DIR, bitbrains:DIR or csv:FILE")]
    [InlineData("", "--workload: unknown workload ''; expected synthetic[:SEED[:VMS]], planetlab:DIR, bitbrains:DIR or csv:FILE")]
    [InlineData("synthetic:abc", "--workload: 'synthetic:abc': expected synthetic[:SEED[:VMS]] with an integer SEED")]
    [InlineData("synthetic:1:0", "--workload: 'synthetic:1:0': VMS must be a whole number from 1 to 100000")]
    [InlineData("synthetic:1:2000000000", "--workload: 'synthetic:1:2000000000': VMS must be a whole number from 1 to 100000")]
    [InlineData("synthetic:1:99999999999999999999", "--workload: 'synthetic:1:99999999999999999999': VMS must be a whole number from 1 to 100000")]
    [InlineData("synthetic:99999999999999999999", "--workload: 'synthetic:99999999999999999999': expected synthetic[:SEED[:VMS]] with an integer SEED")]
    [InlineData("azure\u001b[2J:x", "--workload: unknown workload 'azure\\x1B[2J:x'; expected synthetic[:SEED[:VMS]], planetlab:DIR, bitbrains:DIR or csv:FILE")]
    [InlineData("planetlab", "--workload: 'planetlab' needs a DIR, e.g. planetlab:DIR")]
    [InlineData("csv:", "--workload: 'csv:' needs a FILE, e.g. csv:FILE")]
    public void Load_BadSpec_OneClearLine(string spec, string expected)
    {
        var error = Assert.Throws<WorkloadFormatException>(() => WorkloadSource.Load(spec));

        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public void Load_PlanetLabMissingFolder_NamesIt()
    {
        var error = Assert.Throws<WorkloadFormatException>(() => WorkloadSource.Load("planetlab:no/such/day"));

        Assert.Equal("no/such/day: no such folder", error.Message);
    }
}
