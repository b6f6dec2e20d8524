using Roost.Core.Sharing;
using Roost.Simulation.Input;

namespace Roost.Simulation.Sharing;

/// <summary>
/// Page fingerprints measured on real guests (<c>roost fingerprint</c>, or the real-guest sharing test with
/// ROOST_SAVE_FINGERPRINTS), grouped by image profile. A file <c>PROFILE-N.rsfp</c> is guest N of PROFILE, an exact
/// list sampled one page in 2^s. Built in: 8 guests of each of minimal, python, database and kernel-b (128 MiB each,
/// one page in 32), about 5 KiB a guest. For each guest, the pages at least one other guest of its profile also holds
/// are its <em>profile content</em> (kernel, libraries, programs, data every instance builds); the rest are the
/// guest's own and are replaced by fresh private pages in simulated VMs, so that two VMs derived from the same guest
/// share no more than two real guests of the profile do.
/// </summary>
public sealed class MeasuredProfiles
{
    /// <summary>RAM of every measured guest.</summary>
    public const int GuestMemoryMiB = 128;

    /// <summary>Largest fingerprint file read: an exact list of a 128 GiB VM (32 Mi pages of 8 bytes).</summary>
    public const long MaxFileBytes = 256L << 20;

    private const string ResourcePrefix = "Roost.Simulation.Sharing.Profiles.";

    private MeasuredProfiles(IReadOnlyList<MeasuredProfile> profiles, HashSampling sampling)
    {
        Profiles = profiles;
        Sampling = sampling;
    }

    public IReadOnlyList<MeasuredProfile> Profiles { get; }

    /// <summary>The sampling of every fingerprint here.</summary>
    public HashSampling Sampling { get; }

    /// <summary>The fingerprints this assembly carries.</summary>
    public static MeasuredProfiles BuiltIn()
    {
        var assembly = typeof(MeasuredProfiles).Assembly;
        var files = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".rsfp", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n) ?? throw new InvalidOperationException($"resource {n} vanished");
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                return (Name: n[ResourcePrefix.Length..^".rsfp".Length], Bytes: (ReadOnlyMemory<byte>)buffer.ToArray());
            })
            .ToList();
        return TryCreate(files, "built-in profiles", out var profiles, out var error)
            ? profiles
            : throw new InvalidOperationException($"built-in profile fingerprints are broken: {error}");
    }

    /// <summary>
    /// Reads every <c>*.rsfp</c> in <paramref name="directory"/> (each a regular file of at most
    /// <see cref="MaxFileBytes"/>); false with one printable line on bad input.
    /// </summary>
    public static bool TryLoad(string directory, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MeasuredProfiles? profiles, out string error)
    {
        ArgumentNullException.ThrowIfNull(directory);
        profiles = null;
        var where = PrintableText.Escape(directory);
        var kind = InputFile.KindOf(directory);
        if (kind != FileKind.Directory)
        {
            error = kind == FileKind.Missing ? $"{where}: no such directory" : $"{where}: is {InputFile.Name(kind)}{InputFile.LinkNote(directory)}, not a directory";
            return false;
        }

        var files = new List<(string Name, ReadOnlyMemory<byte> Bytes)>();
        string[] paths;
        try
        {
            paths = Directory.GetFiles(directory, "*.rsfp");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = $"{where}: cannot list: {PrintableText.Escape(e.Message)}";
            return false;
        }

        foreach (var path in paths.Order(StringComparer.Ordinal))
        {
            switch (InputFile.Read(path, MaxFileBytes))
            {
                case InputFileResult.Read read:
                    files.Add((Path.GetFileNameWithoutExtension(path), read.Bytes));
                    break;
                case InputFileResult.Refused refused:
                    error = $"{where}/{PrintableText.Escape(Path.GetFileName(path))}: {refused.Reason}";
                    return false;
            }
        }

        return TryCreate(files, where, out profiles, out error);
    }

    private static bool TryCreate(IReadOnlyList<(string Name, ReadOnlyMemory<byte> Bytes)> files, string where, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MeasuredProfiles? profiles, out string error)
    {
        profiles = null;
        var guests = new List<(string Profile, ExactFingerprint Pages)>();
        foreach (var (rawName, bytes) in files)
        {
            var name = PrintableText.Escape(rawName);
            var dash = name.LastIndexOf('-');
            if (dash <= 0)
            {
                error = $"{where}/{name}.rsfp: name is not PROFILE-N";
                return false;
            }

            switch (FingerprintFile.Read(bytes.Span))
            {
                case FingerprintReadResult.Exact exact:
                    guests.Add((name[..dash], exact.Fingerprint));
                    break;
                case FingerprintReadResult.Refused refused:
                    error = $"{where}/{name}.rsfp: {refused.Reason}";
                    return false;
                default:
                    error = $"{where}/{name}.rsfp: a Bloom fingerprint; the sharing model needs exact (sampled) lists";
                    return false;
            }
        }

        if (guests.Count == 0)
        {
            error = $"{where}: no *.rsfp fingerprint files";
            return false;
        }

        var sampling = guests[0].Pages.Sampling;
        if (guests.Any(g => g.Pages.Sampling != sampling))
        {
            error = $"{where}: fingerprints are sampled differently ({string.Join(", ", guests.Select(g => g.Pages.Sampling).Distinct())})";
            return false;
        }

        var built = new List<MeasuredProfile>();
        foreach (var group in guests.GroupBy(g => g.Profile).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var members = group.Select(g => g.Pages).ToList();
            if (members.Count < 2)
            {
                error = $"{where}: profile '{group.Key}' has one guest; at least two are needed to tell its shared content from a guest's own pages";
                return false;
            }

            built.Add(MeasuredProfile.From(group.Key, members));
        }

        profiles = new MeasuredProfiles(built, sampling);
        error = string.Empty;
        return true;
    }
}
