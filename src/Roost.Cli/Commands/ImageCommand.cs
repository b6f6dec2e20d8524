using Roost.Hypervisor.Images;

namespace Roost.Cli.Commands;

/// <summary><c>roost image build</c>: build (or find in the cache) the guest kernel and initramfs.</summary>
internal sealed class ImageCommand : ICommand
{
    public string Name => "image";

    public string Summary => "Build a guest image (Debian kernel + busybox initramfs with the reporter, plus the profile's packages)";

    public OptionSet Options { get; } = new OptionSet(
            "roost image build [--profile NAME] [--cache DIR]",
            "Fetches the host Debian release's kernel, busybox-static and the profile's packages with apt-get download and\n"
            + "builds a guest image under $XDG_CACHE_HOME/roost/images (default ~/.cache/roost/images). Rebuilt only when\n"
            + "missing. Profiles:\n"
            + string.Join("\n", GuestProfile.All.Select(p => $"  {p.Name,-9} {p.Summary}")))
        .WithArguments("build", "build")
        .Add("profile", "NAME", $"Image profile: {string.Join(", ", GuestImageBuilder.Profiles)} (default minimal)")
        .Add("cache", "DIR", "Cache directory (default $XDG_CACHE_HOME/roost/images)");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Positional is not ["build"])
        {
            throw new UsageException("roost image: expected the subcommand 'build' (see 'roost image --help')");
        }

        var builder = new GuestImageBuilder(options.Get("cache") ?? GuestImageBuilder.DefaultCacheRoot());
        var profile = options.Get("profile") ?? "minimal";
        switch (await builder.BuildAsync(profile, cancellationToken, BftGuestPayload.For(profile)).ConfigureAwait(false))
        {
            case ImageBuildResult.Built built:
                var image = built.Image;
                Console.WriteLine($"image {image.Profile} ({(built.FromCache ? "cached" : "built")}): kernel {image.KernelRelease} "
                    + $"({(image.KernelIsVmlinux ? "decompressed vmlinux, PVH boot" : "bzImage")})");
                Console.WriteLine($"  kernel  {image.KernelPath}");
                Console.WriteLine($"  initrd  {image.InitrdPath}");
                return 0;
            case ImageBuildResult.Failed failed:
                throw new UsageException($"roost image build: {failed.Reason}", 1);
            default:
                throw new InvalidOperationException("unreachable");
        }
    }
}
