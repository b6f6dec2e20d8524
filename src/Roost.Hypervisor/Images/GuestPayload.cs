using System.Security.Cryptography;
using System.Text;

namespace Roost.Hypervisor.Images;

/// <summary>
/// Files the caller puts into a guest image beside the profile's Debian packages (a profile with
/// <see cref="GuestProfile.NeedsPayload"/>): each a path inside the guest, its bytes and whether it is executable.
/// Part of the image's cache key (<see cref="Digest"/>), so a changed payload builds a new image.
/// </summary>
public sealed class GuestPayload
{
    public GuestPayload(IReadOnlyList<(string GuestPath, byte[] Contents, bool Executable)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        foreach (var (path, _, _) in files)
        {
            if (path.Length == 0 || path.StartsWith('/') || path.Split('/').Any(part => part is "" or "." or ".."))
            {
                throw new ArgumentException($"payload path '{path}' must be relative, without empty, '.' or '..' parts", nameof(files));
            }
        }

        Files = [.. files.OrderBy(f => f.GuestPath, StringComparer.Ordinal)];
    }

    public IReadOnlyList<(string GuestPath, byte[] Contents, bool Executable)> Files { get; }

    /// <summary>SHA-256 over every path, mode and content, in path order.</summary>
    public byte[] Digest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (path, contents, executable) in Files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{path}\n{executable}\n{contents.Length}\n"));
            hash.AppendData(contents);
        }

        return hash.GetHashAndReset();
    }
}
