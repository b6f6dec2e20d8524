using System.Globalization;
using System.Text;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// The transactional service a protected guest runs (<c>roost dr protect</c>, <c>roost dr failover</c>): SQLite on
/// ext4 on the guest's disk (<c>/dev/vda</c>, Roost's replicated disk, formatted on the host by
/// <see cref="FormatDiskAsync"/>), behind a small front end on TCP <see cref="Port"/>. A client sends
/// <c>commit CLIENT SEQ</c> (decimal digits without leading zeros, at most 9 and 12 of them; anything else is
/// answered <c>error</c> and reaches nothing); one writer holds ONE <c>sqlite3</c> process for the service's life
/// and runs each commit as a transaction of its own, <c>BEGIN; INSERT INTO tx(client, seq) VALUES(…); COMMIT;</c>,
/// with <c>PRAGMA synchronous=FULL</c> and a rollback journal in <c>journal_mode=TRUNCATE</c>: a commit writes and
/// fsyncs the journal, writes and fsyncs the database file, then truncates the journal and fsyncs it, so it makes
/// several flushes of the disk, as the MySQL of the PipeCloud paper does (WAL would make one). Not the default
/// <c>DELETE</c>: with <c>synchronous=FULL</c> SQLite does not sync the directory after unlinking the journal (only
/// <c>EXTRA</c> does), so a crash just after a commit can leave the journal hot and roll that acknowledged
/// transaction back; the zero-loss check caught exactly that (docs/experiments/dr.md). Only then does it answer
/// <c>ok CLIENT SEQ ROW</c> (the row id). Any SQLite error stops the shell (<c>-bail</c>) and the service answers
/// <c>error</c> from then on. A guest booted from a replica mounts the file system (the kernel replays ext4's
/// journal) and SQLite rolls back a hot journal, so it continues from the last committed transaction. The scripts
/// go into an archive appended to the <see cref="GuestProfile.DrDatabase"/> image's initramfs (Linux unpacks
/// concatenated archives in order); the image's init runs <c>/etc/roost/warm</c> before its reporter.
/// </summary>
public static class SqliteGuest
{
    public const int Port = 7000;

    /// <summary>The database file, at the root of the guest disk's file system.</summary>
    public const string DatabaseFile = "tx.sqlite";

    private const string Writer = """
        #!/bin/sh
        # The database writer: ONE sqlite3 process for the service's life, each commit a transaction of its own.
        trap '' PIPE
        mkfifo -m 600 /run/tx/sql /run/tx/out
        sqlite3 -bail -batch /data/tx.sqlite < /run/tx/sql > /run/tx/out 2>&1 &
        exec 4> /run/tx/sql 5< /run/tx/out
        echo "PRAGMA journal_mode=TRUNCATE; PRAGMA synchronous=FULL; CREATE TABLE IF NOT EXISTS tx(id INTEGER PRIMARY KEY, client INTEGER NOT NULL, seq INTEGER NOT NULL); SELECT 'ready', count(*) FROM tx;" >&4
        read -r mode <&5
        read -r ready <&5
        case "$mode:$ready" in truncate:ready\|*) ;; *) echo "sqlite3 did not start: $mode $ready"; exit 1;; esac
        echo "journal $mode, ${ready#ready|} rows; serving"
        exec 3<> /run/tx/queue
        nc -ll -p 7000 -e /bin/tx-conn &
        while read -r id client seq <&3; do
          reply=error
          if [ -z "$dead" ]; then
            if echo "BEGIN; INSERT INTO tx(client, seq) VALUES($client, $seq); COMMIT; SELECT 'ok', $client, $seq, last_insert_rowid();" >&4 && read -r result <&5; then
              case "$result" in "ok|$client|$seq|"*) reply="ok $client $seq ${result##*|}";; *) dead=1; echo "sqlite3: $result";; esac
            else
              dead=1; echo "sqlite3 is gone"
            fi
          fi
          echo "$reply" > "/run/tx/$id"
        done
        """;

    private const string Connection = """
        #!/bin/sh
        # One client connection (stdin and stdout are the socket): each line 'commit CLIENT SEQ' goes to the writer.
        me=$$
        mkfifo -m 600 "/run/tx/$me" || exit 1
        trap 'rm -f "/run/tx/$me"' EXIT
        while read -r verb client seq rest; do
          case "$verb:$client:$seq:$rest" in
            commit:[1-9]*:[1-9]*:) ;;
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

    /// <summary>A transaction the service acknowledged: client, its sequence number, the row id the answer named.</summary>
    public readonly record struct Acknowledged(int Client, long Sequence, long Row);

    /// <summary>The guest's boot script: the file-system modules, the mount, the writer.</summary>
    private static string Warm(GuestProfile profile) => $"""
        #!/bin/sh
        for m in {string.Join(' ', profile.ExtraModules)}; do insmod "/lib/modules/$m.ko"; done
        mkdir -p /run/tx /data
        mkfifo -m 600 /run/tx/queue
        if mount -t ext4 -o noatime /dev/vda /data; then
          /bin/tx-writer > /run/tx/writer.log 2>&1 &
        else
          echo "roost: /dev/vda holds no ext4 file system; the database service does not start" > /dev/console
        fi
        """;

    /// <summary>
    /// Makes <paramref name="path"/> (new, owner-only, <paramref name="sizeBytes"/>) an empty ext4 file system with
    /// <c>mkfs.ext4</c>; inode tables and journal are zeroed now, so the guest's kernel has no lazy initialisation to
    /// write (and replicate) later. One line on failure.
    /// </summary>
    public static async Task<string?> FormatDiskAsync(string path, long sizeBytes, CancellationToken cancellationToken)
    {
        PrivateFiles.CreateSparseFile(path, sizeBytes);
        var result = await ExternalCommand.RunAsync(
            "mkfs.ext4",
            ["-q", "-F", "-b", "4096", "-m", "0", "-L", "roost-dr", "-E", "lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0", path],
            Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/",
            cancellationToken).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => null,
            -1 => "mkfs.ext4 is not installed (the Debian package e2fsprogs)",
            _ => $"mkfs.ext4 {path}: {result.FirstErrorLine}",
        };
    }

    /// <summary>What a disk image's database holds of the acknowledged transactions.</summary>
    /// <param name="Rows">Transactions in the database.</param>
    /// <param name="Missing">Acknowledged transactions not in it (by client, sequence and row id).</param>
    public sealed record Check(long Rows, IReadOnlyList<Acknowledged> Missing);

    /// <summary>
    /// Reads the database on a disk image (a replica exported at the cloud site, or the guest's own disk) without
    /// mounting it: on a private copy, <c>e2fsck -E journal_only</c> replays ext4's journal as a mount would, then
    /// <c>debugfs</c> copies the database file and its rollback journal out, and <c>sqlite3</c> opens the copy
    /// (rolling back a hot journal, as the guest's SQLite would) and lists the rows. The image is only parsed by
    /// these user-space tools, never by the host's kernel. Throws <see cref="IOException"/> naming the step that failed.
    /// </summary>
    public static async Task<Check> CheckAsync(string imagePath, IEnumerable<Acknowledged> acknowledged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        // Owner-only (mkdtemp): the copy holds the guest's data.
        var work = Directory.CreateTempSubdirectory("roost-dr-check-").FullName;
        try
        {
            var copy = Path.Combine(work, "disk.img");
            using (var source = File.OpenHandle(imagePath))
            {
                PrivateFiles.CreateSparseFile(copy, RandomAccess.GetLength(source));
                using var target = File.OpenHandle(copy, FileMode.Open, FileAccess.Write);
                var buffer = new byte[1024 * 1024];
                long at = 0;
                int read;
                while ((read = RandomAccess.Read(source, buffer, at)) > 0)
                {
                    if (buffer.AsSpan(0, read).ContainsAnyExcept((byte)0))
                    {
                        RandomAccess.Write(target, buffer.AsSpan(0, read), at);
                    }

                    at += read;
                }
            }

            // e2fsck: 0 nothing to do, 1 corrected (the journal replayed); anything else is a file system it cannot read.
            var fsck = await ExternalCommand.RunAsync("e2fsck", ["-E", "journal_only", "-y", copy], work, cancellationToken).ConfigureAwait(false);
            if (fsck.ExitCode is not (0 or 1))
            {
                throw new IOException($"e2fsck -E journal_only {imagePath} (a copy): exit code {fsck.ExitCode}, {fsck.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()}");
            }

            var commands = Path.Combine(work, "debugfs.cmd");
            await File.WriteAllTextAsync(commands, $"dump /{DatabaseFile} {work}/db.sqlite\ndump /{DatabaseFile}-journal {work}/db.sqlite-journal\n", cancellationToken).ConfigureAwait(false);
            await ExternalCommand.RunAsync("debugfs", ["-f", commands, copy], work, cancellationToken).ConfigureAwait(false);
            if (!File.Exists(Path.Combine(work, "db.sqlite")))
            {
                throw new IOException($"{imagePath}: its file system holds no /{DatabaseFile} (debugfs found nothing to copy)");
            }

            var rows = new List<(long Row, int Client, long Sequence)>();
            var query = await ExternalCommand.RunAsync(
                "sqlite3",
                ["-bail", "-batch", Path.Combine(work, "db.sqlite"), "SELECT id, client, seq FROM tx;"],
                work,
                ReadOnlyMemory<byte>.Empty,
                async (stdout, ct) =>
                {
                    using var reader = new StreamReader(stdout, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
                    while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                    {
                        if (line.Split('|') is [var id, var client, var seq]
                            && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var row)
                            && int.TryParse(client, NumberStyles.None, CultureInfo.InvariantCulture, out var c)
                            && long.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                        {
                            rows.Add((row, c, s));
                        }
                    }
                },
                cancellationToken).ConfigureAwait(false);
            if (query.ExitCode != 0)
            {
                throw new IOException(query.ExitCode == -1 ? "sqlite3 is not installed (the Debian package sqlite3)" : $"sqlite3 on {imagePath}'s /{DatabaseFile}: {query.FirstErrorLine}");
            }

            var present = rows.ToHashSet();
            return new Check(rows.Count, [.. acknowledged.Where(a => !present.Contains((a.Row, a.Client, a.Sequence)))]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
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
                throw new TimeoutException($"the guest's database service did not answer within {limit.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The <see cref="GuestProfile.DrDatabase"/> image's initramfs with the service appended, written owner-only to
    /// <paramref name="path"/>; returns the image that boots it.
    /// </summary>
    public static async Task<GuestImage> WithServiceAsync(GuestImage image, string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var overlay = new MemoryStream();
        var cpio = new CpioWriter(overlay);
        cpio.AddDirectory("etc");
        cpio.AddDirectory("etc/roost");
        cpio.AddFile("etc/roost/warm", Encoding.ASCII.GetBytes(Warm(GuestProfile.DrDatabase).ReplaceLineEndings("\n") + "\n"));
        cpio.AddFile("bin/tx-writer", Encoding.ASCII.GetBytes(Writer.ReplaceLineEndings("\n") + "\n"));
        cpio.AddFile("bin/tx-conn", Encoding.ASCII.GetBytes(Connection.ReplaceLineEndings("\n") + "\n"));
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
