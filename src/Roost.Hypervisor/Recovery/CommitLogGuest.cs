using System.Text;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// The transactional service a protected guest runs (<c>roost dr protect</c>, <c>roost dr failover</c>): a commit
/// log on the guest's disk (<c>/dev/vda</c>, Roost's replicated disk), served on TCP <see cref="Port"/>. A client sends
/// <c>commit CLIENT SEQ</c> (digits only, anything else is answered <c>error</c>); one log writer takes commits one
/// at a time, as a database's log writer does, writes a 4 KiB record <c>roost-tx SLOT CLIENT SEQ</c> into the next
/// slot and makes it durable (fsync of the device: the write and a flush reach the disk server) before it answers
/// <c>ok CLIENT SEQ SLOT</c>. At boot the writer finds the first free slot (binary search over the records), so a
/// guest booted from a replica continues the log. The guest image has no file system driver, so the log is the raw
/// device rather than a database file. The scripts go into an archive appended to the image's initramfs (Linux
/// unpacks concatenated archives in order); the image's init runs <c>/etc/roost/warm</c> before its reporter.
/// </summary>
public static class CommitLogGuest
{
    public const int Port = 7000;

    /// <summary>Bytes of one log record: one disk block.</summary>
    public const int RecordBytes = 4096;

    private const string Warm = """
        #!/bin/sh
        mkdir -p /run/tx
        mkfifo -m 600 /run/tx/queue
        /bin/txlog-writer > /run/tx/writer.log 2>&1 &
        nc -ll -p 7000 -e /bin/txlog-conn &
        """;

    private const string Writer = """
        #!/bin/sh
        # The log writer: finds the first free slot, then takes commits from the queue one at a time.
        [ -b /dev/vda ] || { echo "no /dev/vda"; exit 1; }
        has() { [ "$(dd if=/dev/vda bs=4096 skip="$1" count=1 2>/dev/null | head -c 9)" = "roost-tx " ]; }
        lo=1
        hi=$(( $(blockdev --getsize64 /dev/vda) / 4096 ))
        while [ "$lo" -lt "$hi" ]; do
          mid=$(( (lo + hi) / 2 ))
          if has "$mid"; then lo=$((mid + 1)); else hi=$mid; fi
        done
        slot=$lo
        echo "first free slot $slot"
        exec 3<> /run/tx/queue
        while read -r id client seq <&3; do
          if printf 'roost-tx %s %s %s\n' "$slot" "$client" "$seq" | dd of=/dev/vda bs=4096 seek="$slot" count=1 conv=notrunc,sync,fsync 2>/dev/null; then
            reply="ok $client $seq $slot"
            slot=$((slot + 1))
          else
            reply="error"
          fi
          echo "$reply" > "/run/tx/$id"
        done
        """;

    private const string Connection = """
        #!/bin/sh
        # One client connection (stdin and stdout are the socket): each line 'commit CLIENT SEQ' goes to the log writer.
        me=$$
        mkfifo -m 600 "/run/tx/$me" || exit 1
        trap 'rm -f "/run/tx/$me"' EXIT
        while read -r verb client seq rest; do
          case "$verb:$client:$seq:$rest" in
            commit:[0-9]*:[0-9]*:) ;;
            *) echo "error"; continue;;
          esac
          case "$client$seq" in *[!0-9]*) echo "error"; continue;; esac
          [ "${#client}" -le 9 ] && [ "${#seq}" -le 12 ] || { echo "error"; continue; }
          echo "$me $client $seq" > /run/tx/queue
          # The writer answers exactly once; an open or read cut short by a signal is tried again, never answered empty.
          reply=
          while [ -z "$reply" ]; do read -r reply < "/run/tx/$me" 2>/dev/null; done
          echo "$reply"
        done
        """;

    /// <summary>A record the service acknowledged: client, its sequence number, the log slot the answer named.</summary>
    public readonly record struct Acknowledged(int Client, long Sequence, long Slot);

    /// <summary>
    /// The acknowledged commits that a disk image (a replica exported at the cloud site) does not hold: slot
    /// <c>Slot</c> must begin with the exact record the writer put there.
    /// </summary>
    public static IReadOnlyList<Acknowledged> Missing(string imagePath, IEnumerable<Acknowledged> acknowledged)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        using var image = File.OpenHandle(imagePath);
        var length = RandomAccess.GetLength(image);
        var block = new byte[RecordBytes];
        var missing = new List<Acknowledged>();
        foreach (var ack in acknowledged)
        {
            var expected = Encoding.ASCII.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"roost-tx {ack.Slot} {ack.Client} {ack.Sequence}\n"));
            var at = ack.Slot * RecordBytes;
            if (ack.Slot < 1 || at > length - RecordBytes || RandomAccess.Read(image, block, at) != RecordBytes || !block.AsSpan().StartsWith(expected))
            {
                missing.Add(ack);
            }
        }

        return missing;
    }

    /// <summary>Until the service at <paramref name="connect"/>'s end answers a line that commits nothing, retrying every 100 ms up to <paramref name="limit"/>.</summary>
    public static async Task WaitForServiceAsync(Func<CancellationToken, Task<System.Net.Sockets.Socket>> connect, TimeSpan limit, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connect);
        ArgumentNullException.ThrowIfNull(time);
        var start = time.GetTimestamp();
        while (true)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            attempt.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                using var client = new CommitLogClient(await connect(attempt.Token).ConfigureAwait(false));
                if (await client.ProbeAsync(attempt.Token).ConfigureAwait(false) == "error")
                {
                    return;
                }
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
            }

            if (time.GetElapsedTime(start) > limit)
            {
                throw new TimeoutException($"the guest's commit-log service did not answer within {limit.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The image's initramfs with the service appended, written owner-only to <paramref name="path"/>; returns the
    /// image that boots it.
    /// </summary>
    public static async Task<GuestImage> WithServiceAsync(GuestImage image, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var overlay = new MemoryStream();
        var cpio = new CpioWriter(overlay);
        cpio.AddDirectory("etc");
        cpio.AddDirectory("etc/roost");
        cpio.AddFile("etc/roost/warm", Encoding.ASCII.GetBytes(Warm));
        cpio.AddFile("bin/txlog-writer", Encoding.ASCII.GetBytes(Writer));
        cpio.AddFile("bin/txlog-conn", Encoding.ASCII.GetBytes(Connection));
        cpio.Finish();
        var initrd = await File.ReadAllBytesAsync(image.InitrdPath, cancellationToken).ConfigureAwait(false);
        // The second archive starts on a 4-byte boundary, as the kernel's unpacker expects.
        var padding = (4 - (initrd.Length % 4)) % 4;
        var combined = new byte[initrd.Length + padding + overlay.Length];
        initrd.CopyTo(combined, 0);
        overlay.ToArray().CopyTo(combined, initrd.Length + padding);
        await PrivateFiles.WriteAllBytesAsync(path, combined, cancellationToken).ConfigureAwait(false);
        return image with { InitrdPath = path };
    }
}
