using Roost.Simulation.Workloads;

namespace Roost.Simulation.DataCenter;

/// <summary>
/// Every VM: its record (<see cref="VmSlot"/>), its CPU trace and its utilisation history. Only
/// <see cref="UpdateRequests"/> changes a VM's demand and history; the rest of its record belongs to the host
/// allocation and the event loop.
/// </summary>
internal sealed class VmTable
{
    /// <summary>Values kept per history (CloudSim's PowerVm keeps 30).</summary>
    public const int HistoryLength = 30;

    /// <summary>
    /// Each history occupies a stride of 32 doubles in one flat array (four 512-bit vectors); entries at and beyond a
    /// history's count are always zero.
    /// </summary>
    public const int HistoryStride = 32;

    private readonly VmSlot[] _slots;
    private readonly double[] _bandwidthMbps;

    // CPU traces sample by sample: sample t of VM v at [t * Count + v], so that reading every VM at one time streams
    // through memory; _traceLength[v] is VM v's length (its trace plus the repeated last sample).
    private readonly double[] _traceBySample;
    private readonly int[] _traceLength;
    private readonly double[] _history;
    private readonly int[] _historyCount;
    private readonly double[] _historyTime;
    private readonly double _interval;

    public VmTable(Workload workload, DataCenterSetup setup)
    {
        ArgumentNullException.ThrowIfNull(workload);
        ArgumentNullException.ThrowIfNull(setup);
        Count = workload.Vms.Count;
        _interval = setup.SchedulingInterval.TotalSeconds;
        _slots = new VmSlot[Count];
        _bandwidthMbps = new double[Count];
        _traceLength = new int[Count];
        _history = new double[Count * HistoryStride];
        _historyCount = new int[Count];
        _historyTime = new double[Count];
        for (var v = 0; v < Count; v++)
        {
            var (mips, cores, ram, bandwidth) = setup.VmSize(workload.Vms[v], v, Count);
            _slots[v].Mips = mips;
            _slots[v].Cores = cores;
            _slots[v].Ram = ram;
            _bandwidthMbps[v] = bandwidth;
            _slots[v].Host = -1;
            _slots[v].State = VmStateAccumulator.Entry.None;
            _traceLength[v] = workload.Vms[v].Cpu.Length + 1;
        }

        _traceBySample = TracesBySample(workload);
    }

    public int Count { get; }

    public ref VmSlot this[int vm] => ref _slots[vm];

    public double BandwidthMbps(int vm) => _bandwidthMbps[vm];

    /// <summary>Every VM's record, for loops over a host's VMs that read several fields of each.</summary>
    public Span<VmSlot> Slots => _slots;

    /// <summary>MIPS a VM asks for now; a VM being created asks for its full size.</summary>
    public double Requested(int vm) => _slots[vm].Request;

    /// <summary>A VM's request with each virtual core capped at one physical core's MIPS.</summary>
    public double Capped(int vm, double peMips) => _slots[vm].CappedAt(peMips);

    /// <summary>A VM's utilisation history, most recent first (entries beyond its count are zero).</summary>
    public ReadOnlySpan<double> History(int vm) => _history.AsSpan(vm * HistoryStride, HistoryLength);

    /// <summary>The same in its whole stride of <see cref="HistoryStride"/> (for vector sums).</summary>
    public ReadOnlySpan<double> HistoryStrideOf(int vm) => _history.AsSpan(vm * HistoryStride, HistoryStride);

    /// <summary>The values a VM's history holds, most recent first.</summary>
    public ReadOnlyMemory<double> HistoryValues(int vm) => _history.AsMemory(vm * HistoryStride, _historyCount[vm]);

    public int HistoryCount(int vm) => _historyCount[vm];

    /// <summary>
    /// PowerVm.updateVmProcessing for VMs [from, to): every running VM reads its demand at <paramref name="time"/> and,
    /// on a history tick, records its utilisation (then the screen refreshes its forecast). Each VM touches only its
    /// own entries, so ranges may run on several cores at once.
    /// </summary>
    public void UpdateRequests(double time, bool isHistoryTick, int from, int to, OverloadScreen screen)
    {
        var point = PointAt(time);
        for (var v = from; v < to; v++)
        {
            ref var slot = ref _slots[v];
            if (slot.Removed || slot.Host < 0)
            {
                continue;
            }

            var utilization = Utilization(v, point);
            slot.Requested = utilization * slot.Mips;
            slot.Instantiating = false;
            if (isHistoryTick && time > _historyTime[v])
            {
                PushHistory(v, utilization);
                _historyTime[v] = time;
                screen.OnVmHistoryChanged(v);
            }
        }
    }

    private void PushHistory(int vm, double utilization)
    {
        var count = _historyCount[vm];
        var keep = Math.Min(count, HistoryLength - 1);
        var at = vm * HistoryStride;
        Array.Copy(_history, at, _history, at + 1, keep);
        _history[at] = utilization;
        _historyCount[vm] = Math.Min(count + 1, HistoryLength);
    }

    /// <summary>
    /// Every VM's trace, extended as CloudSim keeps it (289 points for a 288-sample day: the last one repeated, so
    /// interpolation never runs off), laid out sample by sample; entries past a VM's length are never read.
    /// </summary>
    private double[] TracesBySample(Workload workload)
    {
        var samples = Count == 0 ? 0 : _traceLength.Max();
        var bySample = new double[(long)samples * Count];
        for (var v = 0; v < Count; v++)
        {
            var cpu = workload.Vms[v].Cpu;
            for (var t = 0; t < cpu.Length; t++)
            {
                bySample[(t * Count) + v] = cpu[t];
            }

            bySample[(cpu.Length * Count) + v] = cpu.Length > 0 ? cpu[^1] : 0;
        }

        return bySample;
    }

    private double TraceSample(int vm, int t) => _traceBySample[(t * Count) + vm];

    /// <summary>
    /// The parts of UtilizationModelPlanetLabInMemory.getUtilization that depend on the time alone, computed once per
    /// update instead of once per VM (the per-VM arithmetic below is unchanged, operation for operation).
    /// </summary>
    private readonly record struct TracePoint(bool OnSample, int Index, int T1, int T2, double Span, double Offset);

    private TracePoint PointAt(double time)
    {
        if (time % _interval == 0)
        {
            return new TracePoint(true, (int)time / (int)_interval, 0, 0, 0, 0);
        }

        var t1 = (int)Math.Floor(time / _interval);
        var t2 = (int)Math.Ceiling(time / _interval);
        return new TracePoint(false, 0, t1, t2, (t2 - t1) * _interval, time - (t1 * _interval));
    }

    /// <summary>UtilizationModelPlanetLabInMemory.getUtilization: linear between samples.</summary>
    private double Utilization(int vm, in TracePoint point)
    {
        var length = _traceLength[vm];
        if (point.OnSample)
        {
            return TraceSample(vm, Math.Min(point.Index, length - 1));
        }

        if (point.T2 >= length)
        {
            return TraceSample(vm, length - 1);
        }

        var u1 = TraceSample(vm, point.T1);
        var u2 = TraceSample(vm, point.T2);
        var delta = (u2 - u1) / point.Span;
        return u1 + (delta * point.Offset);
    }
}
