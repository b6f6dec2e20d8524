using Roost.Simulation.DataCenter;
using Roost.Simulation.DataCenter.Search;

namespace Roost.Simulation.Tests.DataCenter.Search;

public sealed class TreeHostSearchTests : HostSearchContract
{
    private protected override IHostSearch Create(int hostCount, IReadOnlyList<(SpecPowerTable Power, double TotalMips, double PeMips)> types, ScreenRule screen) =>
        new TreeHostSearch(hostCount, types, screen, parallelHostThreshold: int.MaxValue);
}
