using System.Buffers.Binary;
using System.Globalization;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// The cloud site's durable journal for the <see cref="ReplicationManager"/>, in an owner-only directory: per VM a
/// sparse base image (<c>vm-N.base</c>, the disk at <c>vm-N.base-through</c>) and an append-only journal of the writes
/// after it (<c>vm-N.journal</c>: <c>sequence i64 | offset i64 | length i32 | data</c>, big-endian), and the kept
/// checkpoints (<c>checkpoints</c>). <see cref="Flush"/> makes appended writes durable (fsync); the server sends an
/// ack only after it. A torn record at a journal's end (a crash mid-append, never acknowledged) is cut off on open.
/// Single owner: the server's loop.
/// </summary>
public sealed class ReplicaStore : IDisposable
{
    private const int RecordHeaderBytes = 20;

    private readonly string _directory;
    private readonly SortedDictionary<int, VmFiles> _vms = [];
    private readonly List<ReplicaCheckpoint> _checkpoints = [];
    private readonly FileStream _lock;

    public ReplicaStore(string directory, IEnumerable<ProtectedDisk> disks)
    {
        ArgumentNullException.ThrowIfNull(disks);
        PrivateFiles.CreateDirectory(directory);
        _directory = directory;

        // One owner at a time (a running 'serve', or an 'export'): an exclusive lock on DIR/lock, held until disposed.
        var lockPath = Path.Combine(directory, "lock");
        if (!File.Exists(lockPath))
        {
            PrivateFiles.CreateEmptyFile(lockPath);
        }

        try
        {
            _lock = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"{directory}: the journal is in use by another process ({e.Message})", e);
        }

        foreach (var disk in disks)
        {
            var stem = Path.Combine(directory, $"vm-{disk.Vm.Value}");
            var (basePath, journalPath) = (stem + ".base", stem + ".journal");
            if (!File.Exists(basePath))
            {
                PrivateFiles.CreateSparseFile(basePath, disk.SizeBytes);
            }

            var baseThrough = File.Exists(basePath + "-through") ? long.Parse(File.ReadAllText(basePath + "-through"), CultureInfo.InvariantCulture) : 0;
            if (!File.Exists(journalPath))
            {
                PrivateFiles.CreateEmptyFile(journalPath);
            }

            var applied = Math.Max(baseThrough, ScanJournal(journalPath));
            var files = new VmFiles(disk, basePath, journalPath, OpenJournal(journalPath)) { BaseThrough = baseThrough, Applied = applied };
            _vms[disk.Vm.Value] = files;
        }

        var checkpoints = Path.Combine(directory, "checkpoints");
        if (File.Exists(checkpoints))
        {
            _checkpoints.AddRange(File.ReadAllLines(checkpoints).Where(l => l.Length > 0).Select(ParseCheckpoint));
        }
    }

    /// <summary>What a restarted manager starts from.</summary>
    public ReplicaRecovery Recover() => new(_vms.Values.ToDictionary(v => v.Disk.Vm, v => v.Applied), [.. _checkpoints]);

    /// <summary>Bytes appended to the journals since this store was opened.</summary>
    public long JournalBytes { get; private set; }

    public void Append(ReplicationMessage.Write write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var vm = _vms[write.Vm.Value];
        Span<byte> header = stackalloc byte[RecordHeaderBytes];
        BinaryPrimitives.WriteInt64BigEndian(header, write.Sequence);
        BinaryPrimitives.WriteInt64BigEndian(header[8..], write.Offset);
        BinaryPrimitives.WriteInt32BigEndian(header[16..], write.Data.Length);
        vm.Journal.Write(header);
        vm.Journal.Write(write.Data.Span);
        vm.Applied = write.Sequence;
        vm.Dirty = true;
        JournalBytes += RecordHeaderBytes + write.Data.Length;
    }

    /// <summary>Makes every appended write durable (fsync of each journal written to).</summary>
    public void Flush()
    {
        foreach (var vm in _vms.Values.Where(v => v.Dirty))
        {
            vm.Journal.Flush(flushToDisk: true);
            vm.Dirty = false;
        }
    }

    public void RecordCheckpoint(ReplicaCheckpoint checkpoint)
    {
        _checkpoints.Add(checkpoint);
        WriteCheckpoints();
    }

    /// <summary>Drops a checkpoint and folds each VM's journal into its base image up to <paramref name="newBase"/>.</summary>
    public void DropCheckpoint(long id, DependencyVector newBase)
    {
        ArgumentNullException.ThrowIfNull(newBase);
        Flush();
        foreach (var vm in _vms.Values)
        {
            var through = newBase[vm.Disk.Vm];
            if (through > vm.BaseThrough)
            {
                Fold(vm, through);
            }
        }

        _checkpoints.RemoveAll(c => c.Id == id);
        WriteCheckpoints();
    }

    /// <summary>The disk of <paramref name="vm"/> after its first <paramref name="through"/> writes (at least the base's point), written to <paramref name="path"/> (0600).</summary>
    public void Export(VmId vm, long through, string path)
    {
        var files = _vms[vm.Value];
        Flush();
        if (through < files.BaseThrough || through > files.Applied)
        {
            throw new IOException(string.Create(CultureInfo.InvariantCulture, $"{vm}: write {through} is not between the base ({files.BaseThrough}) and the applied point ({files.Applied})"));
        }

        PrivateFiles.CreateSparseFile(path, files.Disk.SizeBytes);
        using (var target = new FileStream(path, FileMode.Open, FileAccess.Write))
        using (var source = File.OpenRead(files.BasePath))
        {
            source.CopyTo(target);
        }

        ApplyJournal(files.JournalPath, path, through, null);
    }

    public void Dispose()
    {
        foreach (var vm in _vms.Values)
        {
            vm.Journal.Dispose();
        }

        _lock.Dispose();
    }

    private static void Fold(VmFiles vm, long through)
    {
        vm.Journal.Dispose();
        var rest = vm.JournalPath + ".new";
        File.Delete(rest);
        PrivateFiles.CreateEmptyFile(rest);
        ApplyJournal(vm.JournalPath, vm.BasePath, through, rest);
        File.WriteAllText(vm.BasePath + "-through", through.ToString(CultureInfo.InvariantCulture));
        File.Move(rest, vm.JournalPath, overwrite: true);
        vm.BaseThrough = through;
        vm.Journal = OpenJournal(vm.JournalPath);
    }

    /// <summary>Applies the journal's records up to <paramref name="through"/> to <paramref name="imagePath"/>; the later ones go to <paramref name="restPath"/> when given.</summary>
    private static void ApplyJournal(string journalPath, string imagePath, long through, string? restPath)
    {
        using var journal = File.OpenRead(journalPath);
        using var image = new FileStream(imagePath, FileMode.Open, FileAccess.Write);
        using var rest = restPath is null ? null : new FileStream(restPath, FileMode.Append, FileAccess.Write);
        var header = new byte[RecordHeaderBytes];
        while (journal.Read(header) == RecordHeaderBytes)
        {
            var sequence = BinaryPrimitives.ReadInt64BigEndian(header);
            var offset = BinaryPrimitives.ReadInt64BigEndian(header.AsSpan(8));
            var data = new byte[BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16))];
            journal.ReadExactly(data);
            if (sequence <= through)
            {
                image.Position = offset;
                image.Write(data);
            }
            else if (rest is not null)
            {
                rest.Write(header);
                rest.Write(data);
            }
        }

        image.Flush(flushToDisk: true);
        rest?.Flush(flushToDisk: true);
    }

    /// <summary>The last whole record's sequence; a torn record at the end is cut off.</summary>
    private static long ScanJournal(string path)
    {
        using var journal = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var header = new byte[RecordHeaderBytes];
        long last = 0;
        long whole = 0;
        while (journal.Read(header) == RecordHeaderBytes)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16));
            if (length <= 0 || journal.Position + length > journal.Length)
            {
                break;
            }

            journal.Position += length;
            last = BinaryPrimitives.ReadInt64BigEndian(header);
            whole = journal.Position;
        }

        journal.SetLength(whole);
        return last;
    }

    private void WriteCheckpoints()
    {
        var path = Path.Combine(_directory, "checkpoints");
        var temporary = path + ".new";
        File.Delete(temporary);
        PrivateFiles.CreateEmptyFile(temporary);
        File.WriteAllLines(temporary, _checkpoints.Select(c => string.Create(
            CultureInfo.InvariantCulture,
            $"{c.Id} {(long)c.At.TotalMilliseconds} {string.Join(',', c.Applied.Entries.Select(e => $"{e.Key.Value}:{e.Value}"))}")));
        File.Move(temporary, path, overwrite: true);
    }

    private static ReplicaCheckpoint ParseCheckpoint(string line)
    {
        var parts = line.Split(' ');
        var applied = DependencyVector.Empty;
        foreach (var entry in parts.Length > 2 ? parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries) : [])
        {
            var pair = entry.Split(':');
            applied = applied.Raise(new VmId(int.Parse(pair[0], CultureInfo.InvariantCulture)), long.Parse(pair[1], CultureInfo.InvariantCulture));
        }

        return new ReplicaCheckpoint(long.Parse(parts[0], CultureInfo.InvariantCulture), TimeSpan.FromMilliseconds(long.Parse(parts[1], CultureInfo.InvariantCulture)), applied);
    }

    private static FileStream OpenJournal(string path) => new(path, FileMode.Append, FileAccess.Write, FileShare.Read);

    private sealed class VmFiles(ProtectedDisk disk, string basePath, string journalPath, FileStream journal)
    {
        public ProtectedDisk Disk { get; } = disk;

        public string BasePath { get; } = basePath;

        public string JournalPath { get; } = journalPath;

        public long BaseThrough { get; set; }

        public long Applied { get; set; }

        public bool Dirty { get; set; }

        public FileStream Journal { get; set; } = journal;
    }
}
