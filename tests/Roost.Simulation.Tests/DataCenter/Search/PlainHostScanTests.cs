using Roost.Simulation.DataCenter;
using Roost.Simulation.DataCenter.Search;

namespace Roost.Simulation.Tests.DataCenter.Search;

public sealed class PlainHostScanTests : HostSearchContract
{
    private protected override IHostSearch Create(int hostCount, IReadOnlyList<(SpecPowerTable Power, double TotalMips, double PeMips)> types, ScreenRule screen) =>
        new PlainHostScan(hostCount);
}
