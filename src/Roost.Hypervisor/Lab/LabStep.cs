namespace Roost.Hypervisor.Lab;

/// <summary>One step of building a lab. Closed set: match on it.</summary>
public abstract record LabStep
{
    private LabStep()
    {
    }

    /// <summary>Run a host tool (ip, tc).</summary>
    public sealed record Command(HostCommand Run) : LabStep
    {
        public override string ToString() => Run.ToString();
    }

    /// <summary>
    /// Set kernel parameters inside <paramref name="Namespace"/> (sysctl names, written to its /proc/sys) and turn
    /// checksum and segmentation offloads off on its devices <paramref name="OffloadsOff"/>: done by this process
    /// from a thread inside the namespace, without the half second each <c>ip netns exec</c> costs on a loaded machine.
    /// </summary>
    public sealed record Tune(string Namespace, IReadOnlyList<KeyValuePair<string, string>> Sysctls, IReadOnlyList<string> OffloadsOff) : LabStep
    {
        public override string ToString() =>
            $"in {Namespace}: {string.Join(", ", [.. Sysctls.Select(s => $"{s.Key}={s.Value}"), .. OffloadsOff.Select(d => $"offloads off on {d}")])}";
    }
}
