using System.Globalization;

namespace Roost.Hypervisor.Ksm;

/// <summary>
/// Reads and sets Linux KSM (kernel same-page merging) through its sysfs folder. KSM is one for the whole machine:
/// change it only inside a <see cref="KsmSession"/>, which serialises its users and puts the old settings back.
/// </summary>
public sealed class KsmControl(string directory = KsmControl.DefaultDirectory)
{
    public const string DefaultDirectory = "/sys/kernel/mm/ksm";

    public string Directory { get; } = directory;

    /// <summary>
    /// The file every <see cref="KsmSession"/> on this KSM locks: one per machine for the kernel's folder (in the
    /// temporary folder, shared by every user of the machine), one per folder for a stand-in.
    /// </summary>
    public string LockPath => Directory == DefaultDirectory
        ? Path.Combine(Path.GetTempPath(), "roost-ksm.lock")
        : Path.Combine(Directory, ".roost-ksm.lock");

    /// <summary>Null when KSM can be read and set here, else one line why not (no such kernel feature, not root).</summary>
    public string? Unavailable()
    {
        var run = Path.Combine(Directory, "run");
        if (!File.Exists(run))
        {
            return $"this kernel has no KSM ({run} does not exist)";
        }

        try
        {
            // Opening for writing writes nothing; it fails when only root may set KSM and this is not root.
            using var probe = File.OpenHandle(run, FileMode.Open, FileAccess.Write);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot set KSM ({run}: {e.Message})";
        }
    }

    public KsmCounters ReadCounters() => new(
        Read("pages_shared"), Read("pages_sharing"), Read("pages_unshared"), Read("pages_volatile"), Read("full_scans"),
        ReadOptional("general_profit"), ReadOptional("ksm_zero_pages"), Environment.SystemPageSize);

    /// <summary>
    /// KSM-merged pages of every process but <paramref name="ours"/> (<c>/proc/PID/ksm_merging_pages</c>): KSM is one
    /// for the machine, so merges among other processes' mergeable memory (another QEMU's ROMs, say) are in
    /// <c>pages_sharing</c> too. 0 on kernels without the per-process figure.
    /// </summary>
    public static long MergingPagesOfOtherProcesses(IReadOnlyCollection<int> ours)
    {
        ArgumentNullException.ThrowIfNull(ours);
        long total = 0;
        foreach (var directory in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || ours.Contains(pid))
            {
                continue;
            }

            try
            {
                total += long.TryParse(File.ReadAllText(Path.Combine(directory, "ksm_merging_pages")).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pages) ? pages : 0;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended, or the kernel has no such file.
            }
        }

        return total;
    }

    public KsmSettings ReadSettings() => new(
        (int)Read("run"), (int)Read("pages_to_scan"), (int)Read("sleep_millisecs"), (int?)ReadOptional("use_zero_pages"), (int?)ReadOptional("smart_scan"));

    /// <summary>Writes every knob of <paramref name="settings"/> (the optional ones where the kernel has them), <c>run</c> last.</summary>
    public void Apply(KsmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Write("pages_to_scan", settings.PagesToScan);
        Write("sleep_millisecs", settings.SleepMilliseconds);
        if (settings.UseZeroPages is { } zero && File.Exists(Path.Combine(Directory, "use_zero_pages")))
        {
            Write("use_zero_pages", zero);
        }

        if (settings.SmartScan is { } smart && File.Exists(Path.Combine(Directory, "smart_scan")))
        {
            Write("smart_scan", smart);
        }

        Write("run", settings.Run);
    }

    private long Read(string name) =>
        ReadOptional(name) ?? throw new IOException($"{Path.Combine(Directory, name)} does not exist");

    private long? ReadOptional(string name)
    {
        var path = Path.Combine(Directory, name);
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path).Trim();
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new IOException($"{path}: '{text}' is not a number");
    }

    private void Write(string name, int value) =>
        File.WriteAllText(Path.Combine(Directory, name), value.ToString(CultureInfo.InvariantCulture));
}
