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

    /// <summary>The service's schema, checked in SQL so no guest-chosen name is parsed: "1|0|0|0" is one table tx, no view, no trigger, nothing else but indexes on tx.</summary>
    private const string SchemaQuery =
        "SELECT count(*) FILTER (WHERE type = 'table' AND name = 'tx' AND sql LIKE 'CREATE TABLE%'), "
        + "count(*) FILTER (WHERE type = 'view'), count(*) FILTER (WHERE type = 'trigger'), "
        + "count(*) FILTER (WHERE NOT (type = 'table' AND name = 'tx' AND sql LIKE 'CREATE TABLE%') AND NOT (type = 'index' AND tbl_name = 'tx')) "
        + "FROM sqlite_schema;";

    /// <summary>How long each tool may take on a guest-written image before the check gives up on it.</summary>
    public static readonly TimeSpan ToolLimit = TimeSpan.FromMinutes(2);

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
        try
        {
            PrivateFiles.CreateSparseFile(path, sizeBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: {e.Message}";
        }

        var result = await ExternalCommand.RunAsync(
            ExternalCommand.FindTool("mkfs.ext4") ?? "mkfs.ext4",
            ["-q", "-F", "-b", "4096", "-m", "0", "-L", "roost-dr", "-E", "lazy_itable_init=0,lazy_journal_init=0,root_owner=0:0", path],
            Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/",
            cancellationToken).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => null,
            -1 => NotInstalled("mkfs.ext4", "e2fsprogs"),
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
    /// these user-space tools, never by the host's kernel, each within <see cref="ToolLimit"/>. The database is the
    /// guest's, so <c>sqlite3</c> runs with <c>-safe</c> and <c>trusted_schema=OFF</c>, and a schema other than the
    /// service's (one table <c>tx</c>, only indexes on it: no view, trigger or other table that could compute or
    /// invent rows) is refused before a row is read. Memory grows with the acknowledged transactions, not with the
    /// guest's rows. Throws <see cref="IOException"/> naming the step that failed.
    /// </summary>
    public static Task<Check> CheckAsync(string imagePath, IEnumerable<Acknowledged> acknowledged, CancellationToken cancellationToken) =>
        CheckAsync(imagePath, acknowledged, ToolLimit, cancellationToken);

    internal static async Task<Check> CheckAsync(string imagePath, IEnumerable<Acknowledged> acknowledged, TimeSpan toolLimit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        IReadOnlyList<Acknowledged> acked = acknowledged as IReadOnlyList<Acknowledged> ?? [.. acknowledged];
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
            var fsck = await RunToolAsync("e2fsck", ["-E", "journal_only", "-y", copy], imagePath, work, null, toolLimit, cancellationToken).ConfigureAwait(false);
            if (fsck.ExitCode is not (0 or 1))
            {
                throw new IOException(fsck.ExitCode == -1
                    ? NotInstalled("e2fsck", "e2fsprogs")
                    : $"e2fsck -E journal_only {imagePath} (a copy): exit code {fsck.ExitCode}, {fsck.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()}");
            }

            var commands = Path.Combine(work, "debugfs.cmd");
            await File.WriteAllTextAsync(commands, $"dump /{DatabaseFile} {work}/db.sqlite\ndump /{DatabaseFile}-journal {work}/db.sqlite-journal\n", cancellationToken).ConfigureAwait(false);
            if ((await RunToolAsync("debugfs", ["-f", commands, copy], imagePath, work, null, toolLimit, cancellationToken).ConfigureAwait(false)).ExitCode == -1)
            {
                throw new IOException(NotInstalled("debugfs", "e2fsprogs"));
            }

            var database = Path.Combine(work, "db.sqlite");
            if (!File.Exists(database))
            {
                throw new IOException($"{imagePath}: its file system holds no /{DatabaseFile} (debugfs found nothing to copy)");
            }

            string? schema = null;
            var schemaQuery = await RunSqliteAsync(database, SchemaQuery, imagePath, work, async (stdout, ct) =>
                {
                    using var reader = new StreamReader(stdout, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
                    schema = await reader.ReadLineAsync(ct).ConfigureAwait(false);
                },
                toolLimit,
                cancellationToken).ConfigureAwait(false);
            if (schemaQuery.ExitCode != 0)
            {
                throw new IOException($"sqlite3 on {imagePath}'s /{DatabaseFile}: {schemaQuery.FirstErrorLine}");
            }

            if (schema is not "1|0|0|0")
            {
                throw new IOException(schema?.Split('|') is [var tables, var views, var triggers, var others]
                    ? $"{imagePath}'s /{DatabaseFile} is refused: its schema is not the service's one table tx with only indexes on it ({tables} such table, {views} views, {triggers} triggers, {others} entries that are neither)"
                    : $"{imagePath}'s /{DatabaseFile}: sqlite3 did not list its schema");
            }

            // Each row present is taken off the acknowledged set as it streams past; what remains is missing.
            var remaining = acked.Select(a => (a.Row, a.Client, a.Sequence)).ToHashSet();
            long rows = 0;
            var query = await RunSqliteAsync(database, "SELECT id, client, seq FROM tx;", imagePath, work, async (stdout, ct) =>
                {
                    using var reader = new StreamReader(stdout, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
                    while (await reader.ReadLineAsync(ct).ConfigureAwait(false) is { } line)
                    {
                        if (line.Split('|') is [var id, var client, var seq]
                            && long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var row)
                            && int.TryParse(client, NumberStyles.None, CultureInfo.InvariantCulture, out var c)
                            && long.TryParse(seq, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
                        {
                            rows++;
                            remaining.Remove((row, c, s));
                        }
                    }
                },
                toolLimit,
                cancellationToken).ConfigureAwait(false);
            if (query.ExitCode != 0)
            {
                throw new IOException($"sqlite3 on {imagePath}'s /{DatabaseFile}: {query.FirstErrorLine}");
            }

            return new Check(rows, [.. acked.Where(a => remaining.Contains((a.Row, a.Client, a.Sequence)))]);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string NotInstalled(string tool, string package) => $"{tool} is not installed (the Debian package {package})";

    /// <summary><c>sqlite3</c> on the guest's database: no shell command or function that reaches the host (<c>-safe</c>), no function the schema names unless SQLite deems it harmless (<c>trusted_schema=OFF</c>).</summary>
    private static async Task<ExternalCommand.Result> RunSqliteAsync(
        string database, string sql, string imagePath, string work, Func<Stream, CancellationToken, Task> consume, TimeSpan limit, CancellationToken cancellationToken)
    {
        var result = await RunToolAsync("sqlite3", ["-safe", "-cmd", "PRAGMA trusted_schema=OFF", "-bail", "-batch", database, sql], imagePath, work, consume, limit, cancellationToken).ConfigureAwait(false);
        return result.ExitCode == -1 ? throw new IOException(NotInstalled("sqlite3", "sqlite3")) : result;
    }

    /// <summary>Runs a tool on the copy of <paramref name="imagePath"/>; one that runs past <paramref name="limit"/> (zero: at once) is stopped, and that is an <see cref="IOException"/> naming it.</summary>
    private static async Task<ExternalCommand.Result> RunToolAsync(
        string tool, IEnumerable<string> arguments, string imagePath, string work, Func<Stream, CancellationToken, Task>? consume, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var limited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit > TimeSpan.Zero)
        {
            limited.CancelAfter(limit);
        }
        else
        {
            await limited.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            return await ExternalCommand.RunAsync(ExternalCommand.FindTool(tool) ?? tool, arguments, work, ReadOnlyMemory<byte>.Empty, consume, limited.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"{tool} on {imagePath} (a copy) did not finish within {limit.TotalSeconds:0.###} s"));
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
