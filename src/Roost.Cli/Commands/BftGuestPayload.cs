using System.Runtime.InteropServices;
using Roost.Hypervisor.Images;

namespace Roost.Cli.Commands;

/// <summary>
/// What the <c>bft-executor</c> guest image carries beside its Debian packages (glibc, libstdc++, libgcc, OpenSSL):
/// this host's .NET runtime (the <c>dotnet</c> host, hostfxr and the Microsoft.NETCore.App shared framework this
/// process runs on, nothing of ASP.NET Core) under <c>/opt/dotnet</c>, and the BFT replica (<c>roost-bft-node.dll</c>,
/// Roost.Bft.Net, Roost.Bft, from beside this CLI) under <c>/opt/roost-bft</c> with a runtime configuration that asks
/// for invariant globalization (the guest has no ICU). No new toolchain: the same assemblies the host runs, JIT-compiled
/// in the guest at start (before the VM is paused, so off the wake path).
/// </summary>
internal static class BftGuestPayload
{
    private static readonly string[] _assemblies = ["roost-bft-node.dll", "Roost.Bft.Net.dll", "Roost.Bft.dll"];

    /// <summary>The payload for <paramref name="profile"/>, or null when the profile takes none.</summary>
    public static GuestPayload? For(string profile) =>
        GuestProfile.Find(profile) is { NeedsPayload: true } ? Collect() : null;

    public static GuestPayload Collect()
    {
        var framework = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var version = Path.GetFileName(framework);
        var root = Path.GetFullPath(Path.Combine(framework, "..", "..", ".."));
        var fxr = Directory.Exists(Path.Combine(root, "host", "fxr", version))
            ? Path.Combine(root, "host", "fxr", version)
            : Directory.GetDirectories(Path.Combine(root, "host", "fxr")).Order(StringComparer.Ordinal).LastOrDefault()
                ?? throw new UsageException($"bft-executor image: no hostfxr under {Path.Combine(root, "host", "fxr")}", 1);
        var files = new List<(string, byte[], bool)>
        {
            ("opt/dotnet/dotnet", Read(Path.Combine(root, "dotnet")), true),
            ($"opt/dotnet/host/fxr/{Path.GetFileName(fxr)}/libhostfxr.so", Read(Path.Combine(fxr, "libhostfxr.so")), false),
        };
        foreach (var file in Directory.GetFiles(framework).Order(StringComparer.Ordinal))
        {
            files.Add(($"opt/dotnet/shared/Microsoft.NETCore.App/{version}/{Path.GetFileName(file)}", Read(file), file.EndsWith(".so", StringComparison.Ordinal)));
        }

        foreach (var assembly in _assemblies)
        {
            files.Add(($"opt/roost-bft/{assembly}", Read(Path.Combine(AppContext.BaseDirectory, assembly)), false));
        }

        var runtimeConfig = $$"""
            {
              "runtimeOptions": {
                "tfm": "net10.0",
                "framework": { "name": "Microsoft.NETCore.App", "version": "{{version}}" },
                "configProperties": {
                  "System.Globalization.Invariant": true,
                  "System.GC.Server": false,
                  "System.GC.Concurrent": false,
                  "System.Runtime.TieredPGO": false
                }
              }
            }
            """;
        files.Add(("opt/roost-bft/roost-bft-node.runtimeconfig.json", System.Text.Encoding.UTF8.GetBytes(runtimeConfig), false));
        return new GuestPayload(files);
    }

    private static byte[] Read(string path) =>
        File.Exists(path)
            ? File.ReadAllBytes(path)
            : throw new UsageException($"bft-executor image: {path} is missing (is this the built CLI, beside roost-bft-node.dll, on an installed .NET runtime?)", 1);
}
