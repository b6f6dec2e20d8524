using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// What one VM needs: its id (lower-case letters, digits and dashes, at most 32: it names sockets and a /dev/shm
/// file), virtual CPUs, RAM in MiB, and the size of its virtual disk in MiB (0: no disk; a raw file in the VM's run
/// directory, <see cref="QemuLaunch.DiskPath"/>), and its network card, if any (<see cref="GuestNic"/>).
/// </summary>
public sealed partial record GuestSpec(string Id, int Cpus, int MemoryMiB, int DiskMiB = 0, GuestNic? Nic = null)
{
    public const int MinMemoryMiB = 64;

    /// <summary>
    /// The guest image profile it boots (<c>minimal</c>, <c>python</c>, …), one of those its agent offers; null: the
    /// agent's default image.
    /// </summary>
    public string? Image { get; init; }

    /// <summary>Whether <paramref name="image"/> has the form of an image profile name (the allow-list of the form; an agent also checks it offers it).</summary>
    public static bool IsValidImageName([NotNullWhen(true)] string? image) => image is not null && ImagePattern().IsMatch(image);

    /// <summary>The smallest and largest virtual disk a VM may ask for (0 asks for none).</summary>
    public const int MinDiskMiB = 16;

    public const int MaxDiskMiB = 64 * 1024;

    /// <summary>Whether <paramref name="id"/> is a VM id: the one allow-list for ids that name files and sockets.</summary>
    public static bool IsValidId([NotNullWhen(true)] string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>Null when the spec is valid, else one line saying which field is wrong and why.</summary>
    public string? Validate()
    {
        if (!IsValidId(Id))
        {
            return $"VM id '{Id}' must be 1 to 32 lower-case letters, digits or dashes, starting with a letter or digit";
        }

        if (Cpus is < 1 or > 64)
        {
            return $"cpus {Cpus} for VM '{Id}' must be from 1 to 64";
        }

        if (MemoryMiB is < MinMemoryMiB or > 1_048_576)
        {
            return $"memoryMiB {MemoryMiB} for VM '{Id}' must be from {MinMemoryMiB} to 1048576";
        }

        if (DiskMiB is not 0 and (< MinDiskMiB or > MaxDiskMiB))
        {
            return $"diskMiB {DiskMiB} for VM '{Id}' must be 0 (no disk) or from {MinDiskMiB} to {MaxDiskMiB}";
        }

        if (Image is not null && !IsValidImageName(Image))
        {
            return $"image for VM '{Id}' must be a profile name of 1 to 32 lower-case letters, digits or dashes";
        }

        return Nic?.Validate() is { } nic ? $"VM '{Id}': {nic}" : null;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex ImagePattern();

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex IdPattern();
}
