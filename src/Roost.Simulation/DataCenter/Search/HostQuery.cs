namespace Roost.Simulation.DataCenter.Search;

/// <summary>The exact test of PABFD's scan for one host: the planner's, to which a search defers every host it cannot rule out.</summary>
internal interface IHostJudge
{
    /// <summary>Judges <paramref name="host"/> for the query's VM and, if it beats the best so far, makes it the best.</summary>
    void Consider(int host, HostQuery query);
}

/// <summary>
/// One search for a host for one VM: what is asked, the best host so far, and the scratch a search needs for it (G_r's
/// pieces, the kernel's differences, the screen's limit on the host type being searched). The scratch belongs to the
/// query, so searches never share it; a planner reuses one query object for one VM after another.
/// </summary>
internal sealed class HostQuery(IHostJudge judge)
{
    public IHostJudge Judge { get; } = judge;

    public int Vm { get; private set; }

    /// <summary>MIPS the VM asks for (all cores).</summary>
    public double Requested { get; private set; }

    public int Cores { get; private set; }

    /// <summary>Whether the VM is being created: then it also books RAM and bandwidth, which hosts must have free.</summary>
    public bool Instantiating { get; private set; }

    public int RamMiB { get; private set; }

    public double BandwidthMbps { get; private set; }

    /// <summary>Under LR's screen: the VM's forecast utilisation times its MIPS (0 otherwise).</summary>
    public double ScreenForecastMips { get; private set; }

    /// <summary>The best host so far, −1 if none.</summary>
    public int Best { get; private set; }

    /// <summary>The power increase of <see cref="Best"/> (W); <see cref="double.MaxValue"/> if none.</summary>
    public double MinPowerDiff { get; private set; }

    /// <summary>Scratch: G_r's pieces for the host type being searched.</summary>
    public GainPieces Pieces { get; } = new();

    /// <summary>Scratch: the kernel's power differences for one chunk of leaves.</summary>
    public double[] Differences { get; } = new double[LeafKernel.ChunkLeaves];

    /// <summary>Scratch: the screen's limit on the host type being searched (LR).</summary>
    public double ScreenLimit { get; set; }

    /// <summary>Starts the search for a VM: no host chosen yet.</summary>
    public void Start(int vm, double requested, int cores, bool instantiating, int ramMiB, double bandwidthMbps, double screenForecastMips)
    {
        Vm = vm;
        Requested = requested;
        Cores = cores;
        Instantiating = instantiating;
        RamMiB = ramMiB;
        BandwidthMbps = bandwidthMbps;
        ScreenForecastMips = screenForecastMips;
        Best = -1;
        MinPowerDiff = double.MaxValue;
    }

    /// <summary>The judge found a better host.</summary>
    public void Choose(int host, double powerDiff)
    {
        Best = host;
        MinPowerDiff = powerDiff;
    }
}
