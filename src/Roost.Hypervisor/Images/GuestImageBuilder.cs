using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Roost.Hypervisor.Images;

/// <summary>
/// Builds guest images from Debian packages: the kernel of the host's Debian release (the dependency of the profile's
/// kernel meta-package), <c>busybox-static</c> and the profile's packages (<see cref="GuestProfile"/>), fetched with
/// <c>apt-get download</c> and unpacked in-process from <c>dpkg-deb --fsys-tarfile</c>. Images live under
/// <c>$XDG_CACHE_HOME/roost/images</c> (default <c>~/.cache/roost/images</c>) in a directory named after the profile
/// and a hash of everything that goes into it (the guest scripts, the verifier's C source, the compiler command and the
/// profile's definition), so an image is rebuilt only when missing or when any of them changes. The guest's memory
/// verifier (<c>/bin/memtest</c>, Images/Guest/memtest.c) is compiled statically with the host's <c>gcc</c>.
/// Concurrent builders (parallel test runs) never see each other's half-written files: each builds in its own
/// temporary directory renamed into place at the end, and each downloaded package is renamed into <c>debs/</c> whole.
/// </summary>
public sealed class GuestImageBuilder
{
    /// <summary>The profile names <see cref="BuildAsync(string, CancellationToken, GuestPayload?)"/> knows.</summary>
    public static IReadOnlyList<string> Profiles { get; } = [.. GuestProfile.All.Select(p => p.Name), GuestProfile.BftExecutor.Name];

    private const string BusyboxPackage = "busybox-static";

    /// <summary>The compiler command for the guest's verifier; part of the image's cache key.</summary>
    private static readonly string[] _compile = ["-static", "-O2", "-s", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread"];

    /// <summary>
    /// Kernel modules for a virtio disk (/dev/vda) and a virtio NIC (eth0), in load order (Debian builds them as
    /// modules, the initramfs has no modprobe index): copied from the kernel package to /lib/modules/NAME.ko, loaded by
    /// init when a virtio device is present (the NIC's three only when the kernel command line gives it an address).
    /// </summary>
    private static readonly string[] _virtioModules = ["virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci", "virtio_blk", "failover", "net_failover", "virtio_net"];

    // Unpacked packages leave out what no guest program reads: documentation, manuals, locales, iconv modules.
    private static readonly string[] _skippedPrefixes = ["usr/share/", "usr/lib/x86_64-linux-gnu/gconv/", "etc/"];

    public GuestImageBuilder(string cacheRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheRoot);
        CacheRoot = cacheRoot;
    }

    public string CacheRoot { get; }

    /// <summary><c>$XDG_CACHE_HOME/roost/images</c>, or <c>~/.cache/roost/images</c>.</summary>
    public static string DefaultCacheRoot()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var cache = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(cache, "roost", "images");
    }

    /// <summary>
    /// Returns the cached image for <paramref name="profile"/>, building it first if it is missing. A profile that
    /// needs a payload (<see cref="GuestProfile.NeedsPayload"/>) is built only with one, and only such a profile takes one.
    /// </summary>
    public async Task<ImageBuildResult> BuildAsync(string profile, CancellationToken cancellationToken, GuestPayload? payload = null)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return GuestProfile.Find(profile) is { } definition
            ? await BuildAsync(definition, cancellationToken, payload).ConfigureAwait(false)
            : new ImageBuildResult.Failed($"image profile '{profile}' is unknown (known: {string.Join(", ", Profiles)})");
    }

    /// <summary>Returns the cached image for <paramref name="definition"/> (a profile of <see cref="GuestProfile.All"/>, <see cref="GuestProfile.BftExecutor"/>, or a service image such as <see cref="GuestProfile.DrDatabase"/>), building it first if it is missing.</summary>
    public async Task<ImageBuildResult> BuildAsync(GuestProfile definition, CancellationToken cancellationToken, GuestPayload? payload = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var profile = definition.Name;
        if (definition.NeedsPayload != payload is not null)
        {
            return new ImageBuildResult.Failed(definition.NeedsPayload
                ? $"image profile '{profile}' carries files the caller supplies (the BFT executor): build it with 'roost image build' or 'roost agent'"
                : $"image profile '{profile}' takes no payload");
        }

        var scripts = GuestScripts.Load();
        var directory = Path.Combine(CacheRoot, $"{profile}-{ImageHash(scripts, definition, payload)}");
        if (TryLoad(directory, profile, out var cached))
        {
            return new ImageBuildResult.Built(cached, FromCache: true);
        }

        Directory.CreateDirectory(CacheRoot);
        var work = Path.Combine(CacheRoot, $".work-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}-{Path.GetRandomFileName()}");
        Directory.CreateDirectory(work);
        try
        {
            var failure = await BuildIntoAsync(work, scripts, definition, payload, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                return new ImageBuildResult.Failed(failure);
            }

            try
            {
                Directory.Move(work, directory);
            }
            catch (IOException) when (Directory.Exists(directory))
            {
                // Another builder finished first; its image is as good as ours.
            }

            return TryLoad(directory, profile, out var built)
                ? new ImageBuildResult.Built(built, FromCache: false)
                : new ImageBuildResult.Failed($"{directory}: image incomplete after build");
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private async Task<string?> BuildIntoAsync(string work, GuestScripts scripts, GuestProfile profile, GuestPayload? payload, CancellationToken cancellationToken)
    {
        var debs = Path.Combine(CacheRoot, "debs");
        Directory.CreateDirectory(debs);

        var depends = new StringBuilder();
        var resolve = await ExternalCommand.RunAsync(
            "apt-cache",
            ["depends", "--no-recommends", "--no-suggests", profile.KernelMetaPackage],
            work,
            ReadOnlyMemory<byte>.Empty,
            async (stdout, ct) => depends.Append(await new StreamReader(stdout).ReadToEndAsync(ct).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
        var kernelPackage = depends.ToString().Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("Depends: linux-image-", StringComparison.Ordinal))
            .Select(l => l["Depends: ".Length..])
            .FirstOrDefault();
        if (resolve.ExitCode != 0 || kernelPackage is null)
        {
            return $"apt-cache depends {profile.KernelMetaPackage}: {(resolve.ExitCode != 0 ? resolve.FirstErrorLine : "names no kernel package")} (is this Debian, and has 'apt-get update' run?)";
        }

        var kernelDeb = await DownloadAsync(kernelPackage, debs, cancellationToken).ConfigureAwait(false);
        var busyboxDeb = await DownloadAsync(BusyboxPackage, debs, cancellationToken).ConfigureAwait(false);
        if ((kernelDeb.Failure ?? busyboxDeb.Failure) is { } downloadFailure)
        {
            return downloadFailure;
        }

        var bzImage = await ExtractAsync(kernelDeb.Path, name => name.StartsWith("./boot/vmlinuz-", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
        var busybox = await ExtractAsync(busyboxDeb.Path, name => name is "./bin/busybox" or "./usr/bin/busybox", cancellationToken).ConfigureAwait(false);
        if (bzImage.Contents is null)
        {
            return $"{kernelDeb.Path}: {bzImage.Failure ?? "no ./boot/vmlinuz-* inside"}";
        }

        if (busybox.Contents is null)
        {
            return $"{busyboxDeb.Path}: {busybox.Failure ?? "no ./bin/busybox inside"}";
        }

        string[] wantedModules = [.. _virtioModules, .. profile.ExtraModules];
        var modules = await ExtractFilesAsync(kernelDeb.Path, name => wantedModules.Any(m => name.EndsWith($"/{m}.ko", StringComparison.Ordinal) && name.Contains("/kernel/", StringComparison.Ordinal)), cancellationToken).ConfigureAwait(false);
        if (modules.Failure is not null || modules.Files.Count != wantedModules.Length)
        {
            return $"{kernelDeb.Path}: {modules.Failure ?? $"found {modules.Files.Count} of the modules {string.Join(", ", wantedModules)}"}";
        }

        var memtest = await CompileAsync(work, "memtest", scripts.MemtestSource, cancellationToken).ConfigureAwait(false);
        var loadgen = await CompileAsync(work, "loadgen", scripts.LoadgenSource, cancellationToken).ConfigureAwait(false);
        if ((memtest.Failure ?? loadgen.Failure) is { } compileFailure)
        {
            return compileFailure;
        }

        var packages = new List<(string Deb, List<PackageEntry> Entries)>();
        foreach (var package in profile.Packages)
        {
            var deb = await DownloadAsync(package, debs, cancellationToken).ConfigureAwait(false);
            if (deb.Failure is not null)
            {
                return deb.Failure;
            }

            var entries = await UnpackAsync(deb.Path, cancellationToken).ConfigureAwait(false);
            if (entries.Failure is not null)
            {
                return $"{deb.Path}: {entries.Failure}";
            }

            packages.Add((deb.Path, entries.Entries));
        }

        var release = bzImage.Name["./boot/vmlinuz-".Length..];
        var vmlinux = await DecompressAsync(bzImage.Contents, work, cancellationToken).ConfigureAwait(false);
        var kernelIsVmlinux = vmlinux is not null && BzImage.HasPvhEntry(vmlinux);
        await File.WriteAllBytesAsync(Path.Combine(work, "kernel"), kernelIsVmlinux && vmlinux is not null ? vmlinux : bzImage.Contents, cancellationToken).ConfigureAwait(false);

        await using (var initrd = File.Create(Path.Combine(work, "initrd.cpio")))
        {
            var cpio = new CpioWriter(initrd);
            var written = new HashSet<string>(StringComparer.Ordinal);
            foreach (var dir in new[] { "bin", "dev", "proc", "sys", "run", "tmp" })
            {
                cpio.AddDirectory(dir);
                written.Add(dir);
            }

            cpio.AddCharacterDevice("dev/console", 5, 1);
            cpio.AddFile("init", scripts.Init);
            cpio.AddFile("bin/busybox", busybox.Contents);
            cpio.AddFile("bin/reporter", scripts.Reporter);
            cpio.AddFile("bin/memtest", memtest.Binary);
            cpio.AddFile("bin/loadgen", loadgen.Binary);
            cpio.AddFile("bin/app-db", scripts.AppDb);
            cpio.AddFile("bin/bft-node", scripts.BftNode);
            foreach (var (name, contents) in modules.Files)
            {
                AddParents(cpio, written, "lib/modules/x.ko");
                cpio.AddFile($"lib/modules/{name[(name.LastIndexOf('/') + 1)..]}", contents, 0x1A4);
            }

            written.UnionWith(["dev/console", "init", "bin/busybox", "bin/reporter", "bin/memtest", "bin/loadgen", "bin/app-db", "bin/bft-node"]);
            foreach (var entry in packages.SelectMany(p => p.Entries))
            {
                AddEntry(cpio, written, entry);
            }

            foreach (var (path, contents, executable) in payload?.Files ?? [])
            {
                AddEntry(cpio, written, new PackageEntry(path, TarEntryType.RegularFile, executable ? 0x1ED : 0x1A4, contents, ""));
            }

            if (profile.Warm.Length > 0)
            {
                AddParents(cpio, written, "etc/roost/warm");
                cpio.AddFile("etc/roost/warm", Encoding.UTF8.GetBytes("#!/bin/sh\n" + profile.Warm.ReplaceLineEndings("\n") + "\n"));
            }

            cpio.Finish();
        }

        var manifest = new ImageManifest(release, kernelIsVmlinux);
        await File.WriteAllTextAsync(Path.Combine(work, "image.json"), JsonSerializer.Serialize(manifest), cancellationToken).ConfigureAwait(false);
        return null;
    }

    /// <summary>A file, directory or symbolic link of a Debian package, by its path relative to the root.</summary>
    private sealed record PackageEntry(string Path, TarEntryType Type, int Permissions, byte[] Contents, string LinkTarget);

    private static void AddEntry(CpioWriter cpio, HashSet<string> written, PackageEntry entry)
    {
        AddParents(cpio, written, entry.Path);
        if (!written.Add(entry.Path))
        {
            return; // A directory several packages ship, or a file already given by an earlier package.
        }

        switch (entry.Type)
        {
            case TarEntryType.Directory:
                cpio.AddDirectory(entry.Path, entry.Permissions);
                break;
            case TarEntryType.SymbolicLink:
                cpio.AddSymbolicLink(entry.Path, entry.LinkTarget);
                break;
            default:
                cpio.AddFile(entry.Path, entry.Contents, entry.Permissions);
                break;
        }
    }

    private static void AddParents(CpioWriter cpio, HashSet<string> written, string path)
    {
        var slash = path.LastIndexOf('/');
        if (slash <= 0)
        {
            return;
        }

        var parent = path[..slash];
        if (!written.Contains(parent))
        {
            AddParents(cpio, written, parent);
            cpio.AddDirectory(parent);
            written.Add(parent);
        }
    }

    /// <summary>Every directory, regular file and symbolic link of a package, less the skipped prefixes.</summary>
    private static async Task<(List<PackageEntry> Entries, string? Failure)> UnpackAsync(string deb, CancellationToken cancellationToken)
    {
        var entries = new List<PackageEntry>();
        var result = await ExternalCommand.RunAsync(
            "dpkg-deb",
            ["--fsys-tarfile", deb],
            Path.GetDirectoryName(deb) ?? ".",
            ReadOnlyMemory<byte>.Empty,
            async (stdout, ct) =>
            {
                var tar = new TarReader(stdout);
                while (await tar.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
                {
                    var path = entry.Name.TrimStart('.').Trim('/');
                    if (path.Length == 0 || _skippedPrefixes.Any(p => (path + "/").StartsWith(p, StringComparison.Ordinal)))
                    {
                        continue;
                    }

                    var permissions = (int)entry.Mode & 0xFFF;
                    switch (entry.EntryType)
                    {
                        case TarEntryType.Directory:
                            entries.Add(new PackageEntry(path, TarEntryType.Directory, permissions, [], ""));
                            break;
                        case TarEntryType.SymbolicLink:
                            entries.Add(new PackageEntry(path, TarEntryType.SymbolicLink, permissions, [], entry.LinkName));
                            break;
                        case TarEntryType.RegularFile or TarEntryType.V7RegularFile:
                            var buffer = new MemoryStream();
                            if (entry.DataStream is { } data)
                            {
                                await data.CopyToAsync(buffer, ct).ConfigureAwait(false);
                            }

                            entries.Add(new PackageEntry(path, TarEntryType.RegularFile, permissions, buffer.ToArray(), ""));
                            break;
                        default:
                            break; // Hard links and devices: none in the packages the profiles use.
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 ? (entries, null) : ([], $"dpkg-deb --fsys-tarfile: {result.FirstErrorLine}");
    }

    /// <summary>
    /// The package's .deb in <paramref name="debs"/>, downloaded first when missing. The download goes to a directory of
    /// its own and is then renamed into <paramref name="debs"/>, so <paramref name="debs"/> only ever holds whole files.
    /// </summary>
    private static async Task<(string Path, string? Failure)> DownloadAsync(string package, string debs, CancellationToken cancellationToken)
    {
        var existing = Directory.GetFiles(debs, $"{package}_*.deb").Order(StringComparer.Ordinal).LastOrDefault();
        if (existing is not null)
        {
            return (existing, null);
        }

        var staging = Directory.CreateDirectory(Path.Combine(debs, $".download-{Environment.ProcessId}-{Path.GetRandomFileName()}"));
        try
        {
            var result = await ExternalCommand.RunAsync("apt-get", ["download", "-q", package], staging.FullName, cancellationToken).ConfigureAwait(false);
            var downloaded = Directory.GetFiles(staging.FullName, $"{package}_*.deb").Order(StringComparer.Ordinal).LastOrDefault();
            if (result.ExitCode != 0 || downloaded is null)
            {
                return ("", $"apt-get download {package}: {result.FirstErrorLine} (has 'apt-get update' run?)");
            }

            var target = Path.Combine(debs, Path.GetFileName(downloaded));
            try
            {
                File.Move(downloaded, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                // Another builder brought the same file first.
            }

            return (target, null);
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Compiles one of the guest's C programs (<paramref name="name"/>.c: the memory verifier, the load generator)
    /// statically with the host's gcc, in <paramref name="work"/>; one line on failure.
    /// </summary>
    internal static async Task<(byte[] Binary, string? Failure)> CompileAsync(string work, string name, byte[] source, CancellationToken cancellationToken)
    {
        await File.WriteAllBytesAsync(Path.Combine(work, name + ".c"), source, cancellationToken).ConfigureAwait(false);
        string[] arguments = [.. _compile, "-o", name, name + ".c"];
        var result = await ExternalCommand.RunAsync("gcc", arguments, work, cancellationToken).ConfigureAwait(false);
        var binary = Path.Combine(work, name);
        if (result.ExitCode != 0 || !File.Exists(binary))
        {
            return ([], result.ExitCode == -1
                ? $"gcc is not installed: the guest's {name} is compiled at image build time (install the Debian packages gcc and libc6-dev)"
                : $"gcc {string.Join(' ', arguments)}: {result.FirstErrorLine}");
        }

        var bytes = await File.ReadAllBytesAsync(binary, cancellationToken).ConfigureAwait(false);
        File.Delete(binary);
        File.Delete(Path.Combine(work, name + ".c"));
        return (bytes, null);
    }

    private static async Task<(string Name, byte[]? Contents, string? Failure)> ExtractAsync(string deb, Func<string, bool> wanted, CancellationToken cancellationToken)
    {
        var (files, failure) = await ExtractFilesAsync(deb, wanted, cancellationToken, first: true).ConfigureAwait(false);
        return files.Count > 0 ? (files[0].Name, files[0].Contents, null) : ("", null, failure);
    }

    /// <summary>The regular files of <paramref name="deb"/> whose names <paramref name="wanted"/> accepts (only the first with <paramref name="first"/>).</summary>
    private static async Task<(List<(string Name, byte[] Contents)> Files, string? Failure)> ExtractFilesAsync(
        string deb, Func<string, bool> wanted, CancellationToken cancellationToken, bool first = false)
    {
        var files = new List<(string Name, byte[] Contents)>();
        var result = await ExternalCommand.RunAsync(
            "dpkg-deb",
            ["--fsys-tarfile", deb],
            Path.GetDirectoryName(deb) ?? ".",
            ReadOnlyMemory<byte>.Empty,
            async (stdout, ct) =>
            {
                var tar = new TarReader(stdout);
                while (await tar.GetNextEntryAsync(copyData: false, ct).ConfigureAwait(false) is { } entry)
                {
                    if (!(first && files.Count > 0) && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile
                        && wanted(entry.Name) && entry.DataStream is { } data)
                    {
                        var buffer = new MemoryStream();
                        await data.CopyToAsync(buffer, ct).ConfigureAwait(false);
                        files.Add((entry.Name, buffer.ToArray()));
                    }
                }
            },
            cancellationToken).ConfigureAwait(false);
        return result.ExitCode == 0 || files.Count > 0 ? (files, null) : (files, $"dpkg-deb --fsys-tarfile: {result.FirstErrorLine}");
    }

    /// <summary>The decompressed kernel inside a bzImage, or null when its compression has no decompressor here.</summary>
    private static async Task<byte[]?> DecompressAsync(byte[] image, string work, CancellationToken cancellationToken)
    {
        if (!BzImage.TryFindPayload(image, out var offset, out var length, out var format))
        {
            return null;
        }

        var payload = image.AsMemory(offset, length);
        if (format == "gzip")
        {
            await using var gzip = new GZipStream(new MemoryStream(payload.ToArray()), CompressionMode.Decompress);
            var output = new MemoryStream();
            await gzip.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            return output.ToArray();
        }

        string? tool = format switch
        {
            "xz" or "lzma" => "xz",
            "zstd" => "zstd",
            "bzip2" => "bzip2",
            "lz4" => "lz4",
            _ => null,
        };
        if (tool is null)
        {
            return null;
        }

        var decompressed = new MemoryStream();
        var result = await ExternalCommand.RunAsync(
            tool,
            ["-dc"],
            work,
            payload,
            (stdout, ct) => stdout.CopyToAsync(decompressed, ct),
            cancellationToken).ConfigureAwait(false);

        // The kernel's xz payload carries trailing padding that xz reports as an error after a complete stream.
        return result.ExitCode == -1 || decompressed.Length == 0 ? null : decompressed.ToArray();
    }

    private static bool TryLoad(string directory, string profile, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GuestImage? image)
    {
        image = null;
        var kernel = Path.Combine(directory, "kernel");
        var initrd = Path.Combine(directory, "initrd.cpio");
        var manifestPath = Path.Combine(directory, "image.json");
        if (!File.Exists(kernel) || !File.Exists(initrd) || !File.Exists(manifestPath))
        {
            return false;
        }

        var manifest = JsonSerializer.Deserialize<ImageManifest>(File.ReadAllText(manifestPath));
        if (manifest is null)
        {
            return false;
        }

        image = new GuestImage(profile, kernel, initrd, manifest.KernelRelease, manifest.KernelIsVmlinux);
        return true;
    }

    internal static string ImageHash(GuestScripts scripts, GuestProfile profile, GuestPayload? payload = null)
    {
        var definition = Encoding.UTF8.GetBytes(profile.KernelMetaPackage + "\n" + string.Join(",", profile.Packages) + "\n" + profile.Warm
            + (profile.ExtraModules.Count > 0 ? "\nmodules " + string.Join(' ', profile.ExtraModules) : ""));
        var compile = Encoding.UTF8.GetBytes("gcc " + string.Join(' ', _compile) + "\nmodules " + string.Join(' ', _virtioModules) + "\n");
        var hash = SHA256.HashData([.. scripts.Init, .. scripts.Reporter, .. scripts.MemtestSource, .. scripts.LoadgenSource, .. scripts.AppDb, .. scripts.BftNode, .. compile, .. definition, .. payload?.Digest() ?? []]);
        return Convert.ToHexStringLower(hash)[..12];
    }
}
