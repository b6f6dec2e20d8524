using System.Diagnostics.CodeAnalysis;
using Roost.Core.Model;

namespace Roost.Core.Monitoring;

/// <summary>
/// Sandpiper's monitoring engine as plain state: a <see cref="UsageHistory"/> per host and per VM, fed one sample per
/// monitoring interval by whoever drives it (simulator, controller). Reads no clock. Not thread-safe: one control
/// loop owns it.
/// </summary>
public sealed class ClusterMonitor
{
    private readonly Dictionary<HostId, UsageHistory> _hosts = [];
    private readonly Dictionary<VmId, UsageHistory> _vms = [];

    /// <param name="windowLength">Observations kept per resource; profiles and AR(1) fits use all of them.</param>
    public ClusterMonitor(int windowLength = 12)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowLength);
        WindowLength = windowLength;
    }

    public int WindowLength { get; }

    public void RecordHost(HostId host, UsageSample sample) => HistoryOf(_hosts, host).Add(sample);

    public void RecordVm(VmId vm, UsageSample sample, GuestMemoryStats? guest = null, ApplicationStats? application = null) =>
        HistoryOf(_vms, vm).Add(sample, guest, application);

    public bool TryGetHost(HostId host, [NotNullWhen(true)] out UsageHistory? history) => _hosts.TryGetValue(host, out history);

    public bool TryGetVm(VmId vm, [NotNullWhen(true)] out UsageHistory? history) => _vms.TryGetValue(vm, out history);

    /// <summary>Drops a VM's history (it left the cluster).</summary>
    public void ForgetVm(VmId vm) => _vms.Remove(vm);

    private UsageHistory HistoryOf<TKey>(Dictionary<TKey, UsageHistory> map, TKey key)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var history))
        {
            history = new UsageHistory(WindowLength);
            map.Add(key, history);
        }

        return history;
    }
}
