using System.Text.Json;
using Roost.Hypervisor.Lab.Relay;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// Where labs are recorded: one directory (default <c>/run/roost/lab</c>, on tmpfs like the namespaces themselves,
/// so both vanish on reboot), owner-only, holding per lab <c>NAME.json</c> (its <see cref="WanLabState"/>),
/// <c>NAME.relay.json</c> (the relay's counters) and <c>NAME.relay.log</c> (why the relay stopped), plus one lock
/// file that serialises every change to any lab on this machine.
/// </summary>
public sealed class LabStateStore
{
    public const string DefaultDirectory = "/run/roost/lab";

    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const string StateSuffix = ".json";
    private const string StatsSuffix = ".relay.json";

    public LabStateStore(string directory = DefaultDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
    }

    public string Directory { get; }

    public string StatePath(LabName name) => Path.Combine(Directory, name.Value + StateSuffix);

    public string StatsPath(LabName name) => Path.Combine(Directory, name.Value + StatsSuffix);

    public string LogPath(LabName name) => Path.Combine(Directory, name.Value + ".relay.log");

    /// <summary>
    /// Takes the machine-wide lab lock, waiting up to <paramref name="timeout"/>; an <see cref="IOException"/> says
    /// another process holds it. Dispose to release.
    /// </summary>
    public async Task<IDisposable> LockAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        EnsureDirectory();
        var path = Path.Combine(Directory, ".lock");
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                // On Unix, FileShare.None is an advisory flock(LOCK_EX | LOCK_NB): released when the process dies.
                return new FileStream(path, OwnerOnly(new FileStreamOptions
                {
                    Mode = FileMode.OpenOrCreate,
                    Access = FileAccess.ReadWrite,
                    Share = FileShare.None,
                }));
            }
            catch (IOException) when (time.GetElapsedTime(started) < timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                throw new IOException($"{path}: another process has been changing a lab for {timeout.TotalSeconds:0} s", e);
            }
        }
    }

    /// <summary>The recorded state of lab <paramref name="name"/>, or null when there is none (or its file is not a well-formed state of that lab).</summary>
    public WanLabState? TryRead(LabName name) => TryReadFile(StatePath(name), name.Value);

    public void Write(WanLabState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        EnsureDirectory();
        var path = StatePath(LabName.Parse(state.Name));
        WriteAtomically(path, JsonSerializer.Serialize(state, LabJson.Options));
    }

    /// <summary>The relay's last counters, or null when it has written none yet.</summary>
    public RelayStats? TryReadStats(LabName name)
    {
        try
        {
            return JsonSerializer.Deserialize<RelayStats>(File.ReadAllText(StatsPath(name)), LabJson.Options);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Removes every file of the lab (state, counters, log).</summary>
    public void Delete(LabName name)
    {
        foreach (var path in new[] { StatePath(name), StatsPath(name), StatsPath(name) + ".tmp", LogPath(name) })
        {
            File.Delete(path);
        }
    }

    /// <summary>Every recorded lab, by name. Files that are not a lab's state are ignored.</summary>
    public IReadOnlyList<WanLabState> List()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return [];
        }

        return [.. System.IO.Directory.EnumerateFiles(Directory, "*" + StateSuffix)
            .Where(path => !path.EndsWith(StatsSuffix, StringComparison.Ordinal))
            .Select(path => TryReadFile(path, Path.GetFileName(path)[..^StateSuffix.Length]))
            .OfType<WanLabState>()
            .OrderBy(state => state.Name, StringComparer.Ordinal)];
    }

    /// <summary>Appends one line to the lab's relay log.</summary>
    public void AppendLog(LabName name, string line)
    {
        EnsureDirectory();
        using var stream = new FileStream(LogPath(name), OwnerOnly(new FileStreamOptions
        {
            Mode = FileMode.Append,
            Access = FileAccess.Write,
        }));
        using var writer = new StreamWriter(stream);
        writer.WriteLine(line);
    }

    /// <summary>The state in <paramref name="path"/> if it is well formed and names the lab its file is named after, else null.</summary>
    private static WanLabState? TryReadFile(string path, string expectedName)
    {
        try
        {
            return JsonSerializer.Deserialize<WanLabState>(File.ReadAllText(path), LabJson.Options) is { IsWellFormed: true } state
                && state.Name == expectedName
                ? state
                : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="path"/> owner-only through a temporary file and a rename, so readers see the old or the new text whole.</summary>
    internal static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, OwnerOnly(new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
        })))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private void EnsureDirectory()
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, OwnerOnlyDirectory);
        }
    }

    private static FileStreamOptions OwnerOnly(FileStreamOptions options)
    {
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        return options;
    }
}
