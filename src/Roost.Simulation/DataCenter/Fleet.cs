using Roost.Core.Power;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// The hosts as built, which never change: host <c>h</c> is of type <c>h mod TypeCount</c> (<see cref="DataCenterSetup"/>),
/// with that type's capacity, core size, RAM, bandwidth and power model; SPECpower models are read through a
/// <see cref="SpecPowerTable"/> (the same watts, bit for bit, with less arithmetic).
/// </summary>
internal sealed class Fleet
{
    private readonly double[] _totalMips;
    private readonly double[] _peMips;
    private readonly int[] _ramMiB;
    private readonly double[] _bandwidthMbps;
    private readonly IPowerModel[] _power;
    private readonly SpecPowerTable?[] _table;

    public Fleet(DataCenterSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        HostCount = setup.HostCount;
        TypeCount = setup.HostTypes.Count;
        _totalMips = new double[HostCount];
        _peMips = new double[HostCount];
        _ramMiB = new int[HostCount];
        _bandwidthMbps = new double[HostCount];
        _power = new IPowerModel[HostCount];
        _table = new SpecPowerTable?[HostCount];
        var tables = new SpecPowerTable?[TypeCount];
        for (var h = 0; h < HostCount; h++)
        {
            var typeIndex = TypeOf(h);
            var type = setup.HostTypes[typeIndex];
            _totalMips[h] = type.TotalMips;
            _peMips[h] = type.MipsPerCore;
            _ramMiB[h] = type.RamMiB;
            _bandwidthMbps[h] = type.BandwidthMbps;
            _power[h] = type.Power;
            _table[h] = type.Power is SpecPowerModel spec ? tables[typeIndex] ??= new SpecPowerTable(spec.WattsAtTenths) : null;
        }
    }

    public int HostCount { get; }

    public int TypeCount { get; }

    public int TypeOf(int host) => host % TypeCount;

    /// <summary>MIPS of all cores.</summary>
    public double TotalMips(int host) => _totalMips[host];

    /// <summary>MIPS of one core.</summary>
    public double PeMips(int host) => _peMips[host];

    public int RamMiB(int host) => _ramMiB[host];

    public double BandwidthMbps(int host) => _bandwidthMbps[host];

    public IPowerModel Power(int host) => _power[host];

    /// <summary>The host's SPECpower table, null if its power model is not one.</summary>
    public SpecPowerTable? Table(int host) => _table[host];

    /// <summary>Host power at a utilisation in [0, 1], through the SPECpower table directly where the host has one.</summary>
    public double Watts(int host, double utilization) => _table[host] is { } table ? table.Watts(utilization) : _power[host].PowerWatts(utilization);

    /// <summary>How long a VM of <paramref name="ramMiB"/> takes to migrate off the host: RAM / (bandwidth / 2), in seconds.</summary>
    public double MigrationSeconds(int host, int ramMiB) => ramMiB / (_bandwidthMbps[host] / 16.0);
}
