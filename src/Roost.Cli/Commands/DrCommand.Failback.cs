using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Roost.Hypervisor.Recovery;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary>
/// <c>roost dr failback</c>: brings the recovered primary site's disk up to the cloud site's, moving only the blocks
/// that differ (<see cref="DiskResync"/>): <c>--listen</c> at the primary with the disk it had, <c>--to</c> at the
/// cloud site with the disk its failed-over guest ran on (stopped first). Prints blocks and bytes moved against a
/// full copy.
/// </summary>
internal sealed partial class DrCommand
{
    private static async Task<int> FailbackAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        const string Verb = "roost dr failback";
        var secret = RelayCommand.ReadSecret(options.Get("secret-file") ?? throw new UsageException($"{Verb}: --secret-file is required"), "dr failback");
        var disk = ParseDisk(options.Get("vm") ?? throw new UsageException($"{Verb}: --vm ID:SIZE_MIB is required"), Verb);
        var image = options.Get("image") ?? throw new UsageException($"{Verb}: --image is required");
        if (!File.Exists(image) || new FileInfo(image).Length != disk.SizeBytes)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{Verb}: --image {PrintableText.Escape(image)}: not a {disk.SizeBytes}-byte disk image (--vm)"));
        }

        var blockBytes = options.GetInt("block-kib", 64, min: 4, max: 4096) * 1024;
        if ((blockBytes & (blockBytes - 1)) != 0)
        {
            throw new UsageException($"{Verb}: --block-kib must be a power of two");
        }

        if (options.Has("listen") == options.Has("to"))
        {
            throw new UsageException($"{Verb}: give --listen (the recovered primary site) or --to (the cloud site), not both");
        }

        var clock = Stopwatch.StartNew();
        DiskResync.Report report;
        try
        {
            report = options.Has("listen")
                ? await DiskResync.ReceiveAsync(EndPoint(options, "listen", Verb), secret, disk.Vm, image, blockBytes, cancellationToken).ConfigureAwait(false)
                : await DiskResync.SendAsync(EndPoint(options, "to", Verb), secret, disk.Vm, image, blockBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidDataException or UnauthorizedAccessException)
        {
            throw new UsageException($"{Verb}: {e.Message}", 1);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Verb}: {disk.Vm} equal at both sites; moved {report.BlocksMoved} of {report.Blocks} blocks of {blockBytes / 1024} KiB; bytes sent {report.BytesSent}, received {report.BytesReceived}; a full copy is {report.DiskBytes} bytes ({100.0 * (report.BytesSent + report.BytesReceived) / report.DiskBytes:0.0} %); {clock.Elapsed.TotalSeconds:0.00} s"));
        return 0;
    }
}
