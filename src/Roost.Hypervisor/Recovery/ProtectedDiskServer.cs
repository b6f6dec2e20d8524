using System.Globalization;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// A protected VM's disk as Roost serves it to QEMU (<c>roost dr protect</c>): an NBD server on a Unix socket in an
/// owner-only directory, one client at a time (QEMU reconnects after a drop). Every guest write is applied to the
/// local raw image (owner-only) and handed to the <see cref="ReplicationClient"/>; the guest gets its answer when the
/// replication mode completes the write (sync: after the cloud site acknowledged it; async and pipelined: at once).
/// A flush is answered once every write answered before it is complete and the local image is fsynced. The NBD
/// protocol itself is <see cref="NbdServerSession"/>: nothing the client sends reaches the file outside the disk.
/// </summary>
public sealed class ProtectedDiskServer : IAsyncDisposable
{
    /// <summary>The largest piece of a guest write shipped as one replicated write (a frame holds at most 4 MiB).</summary>
    private const int MaxShippedBytes = 1024 * 1024;

    private readonly Socket _listener;
    private readonly SafeFileHandle _disk;

    /// <summary>The same file as a stream, only to fsync it.</summary>
    private readonly FileStream _flusher;
    private readonly VmId _vm;
    private readonly ReplicationClient _replication;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accept;
    private long _writes;
    private long _bytesWritten;

    private ProtectedDiskServer(Socket listener, SafeFileHandle disk, long diskBytes, VmId vm, ReplicationClient replication, Action<string> log)
    {
        _listener = listener;
        _disk = disk;
        _flusher = new FileStream(disk, FileAccess.ReadWrite, bufferSize: 0);
        DiskBytes = diskBytes;
        _vm = vm;
        _replication = replication;
        _log = log;
        _accept = Task.Run(AcceptAsync);
    }

    public long DiskBytes { get; }

    /// <summary>Guest write requests applied.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    public Task Completion => _accept;

    /// <summary>
    /// Serves <paramref name="diskPath"/> (an existing raw image, or a new sparse one of <paramref name="diskBytes"/>)
    /// on <paramref name="socketPath"/>, whose directory must be owner-only (QEMU connects as the same user).
    /// </summary>
    public static ProtectedDiskServer Start(string socketPath, string diskPath, long diskBytes, VmId vm, ReplicationClient replication, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(replication);
        PrivateFiles.RequireOwnerOnlyDirectory(Path.GetDirectoryName(Path.GetFullPath(socketPath)) ?? "/");
        if (!File.Exists(diskPath))
        {
            PrivateFiles.CreateSparseFile(diskPath, diskBytes);
        }
        else if (new FileInfo(diskPath).Length != diskBytes)
        {
            throw new IOException($"{diskPath}: has {new FileInfo(diskPath).Length} bytes, not the disk's {diskBytes}");
        }

        var disk = File.OpenHandle(diskPath, FileMode.Open, FileAccess.ReadWrite);
        File.Delete(socketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            listener.Listen(1);
        }
        catch
        {
            listener.Dispose();
            disk.Dispose();
            throw;
        }

        return new ProtectedDiskServer(listener, disk, diskBytes, vm, replication, log);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await _accept.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _flusher.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            using (client)
            {
                await ServeAsync(client).ConfigureAwait(false);
            }
        }
    }

    private async Task ServeAsync(Socket client)
    {
        var session = new NbdServerSession(DiskBytes);
        var sending = new SemaphoreSlim(1, 1);
        var pending = new List<Task>();
        var buffer = new byte[256 * 1024];

        async Task SendAsync(byte[] bytes)
        {
            await sending.WaitAsync(_stop.Token).ConfigureAwait(false);
            try
            {
                await client.SendAsync(bytes, SocketFlags.None, _stop.Token).ConfigureAwait(false);
            }
            finally
            {
                sending.Release();
            }
        }

        async Task AnswerAsync(ulong handle, Task done)
        {
            uint error = 0;
            try
            {
                await done.ConfigureAwait(false);
            }
            catch (IOException e)
            {
                _log($"roost dr protect: {e.Message}");
                error = NbdServerSession.EIo;
            }

            await SendAsync(NbdServerSession.SimpleReply(handle, error)).ConfigureAwait(false);
        }

        try
        {
            await SendAsync(NbdServerSession.Greeting()).ConfigureAwait(false);
            while (!session.IsClosed)
            {
                var read = await client.ReceiveAsync(buffer, SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                foreach (var output in session.Receive(buffer.AsSpan(0, read)))
                {
                    switch (output)
                    {
                        case NbdServerOutput.Send send:
                            await SendAsync(send.Bytes).ConfigureAwait(false);
                            break;
                        case NbdServerOutput.Read request:
                            var data = new byte[request.Length];
                            var got = RandomAccess.Read(_disk, data, request.Offset);
                            await SendAsync(NbdServerSession.SimpleReply(request.Handle, got == data.Length ? 0 : NbdServerSession.EIo, data)).ConfigureAwait(false);
                            break;
                        case NbdServerOutput.Write write:
                            pending.RemoveAll(t => t.IsCompleted);
                            var written = Write(write);
                            pending.Add(written);
                            _ = AnswerAsync(write.Handle, written);
                            break;
                        case NbdServerOutput.Flush flush:
                            pending.RemoveAll(t => t.IsCompleted);
                            _ = AnswerAsync(flush.Handle, FlushAsync([.. pending]));
                            break;
                        case NbdServerOutput.Close close:
                            _log($"roost dr protect: {close.Reason}");
                            break;
                        default:
                            break;
                    }
                }
            }
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            _log($"roost dr protect: the NBD client's connection failed: {e.Message}");
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The initial copy of a disk the cloud site does not have yet (a file system just made on the host): every
    /// 64 KiB block of the local image that is not all zeros is shipped as a replicated write (the cloud site's base
    /// image starts as zeros), before the guest boots; returns the bytes shipped. An image shorter than the disk is an
    /// <see cref="IOException"/>, never a tail silently left out. In pipelined mode nothing the guest
    /// sends leaves before these writes are acknowledged, as they precede all of its own.
    /// </summary>
    public async Task<long> ShipInitialCopyAsync()
    {
        const int Block = 64 * 1024;
        var pieces = new List<Task>();
        long shipped = 0;
        // One buffer read into; only a block that is not all zeros is copied out, as the replication holds it until acknowledged.
        var buffer = new byte[Block];
        for (long at = 0; at < DiskBytes; at += Block)
        {
            var block = buffer.AsSpan(0, (int)Math.Min(Block, DiskBytes - at));
            var read = RandomAccess.Read(_disk, block, at);
            if (read != block.Length)
            {
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"the local disk image ended at byte {at + read}, short of the disk's {DiskBytes}"));
            }

            if (block.ContainsAnyExcept((byte)0))
            {
                pieces.Add(_replication.WriteAsync(_vm, at, block.ToArray()));
                shipped += block.Length;
            }
        }

        await Task.WhenAll(pieces).ConfigureAwait(false);
        return shipped;
    }

    /// <summary>Applies the write locally at once, then ships it; the task ends when the mode completes every piece.</summary>
    private Task Write(NbdServerOutput.Write write)
    {
        RandomAccess.Write(_disk, write.Data, write.Offset);
        Interlocked.Increment(ref _writes);
        Interlocked.Add(ref _bytesWritten, write.Data.Length);
        var pieces = new List<Task>();
        for (var at = 0; at < write.Data.Length; at += MaxShippedBytes)
        {
            var length = Math.Min(MaxShippedBytes, write.Data.Length - at);
            pieces.Add(_replication.WriteAsync(_vm, write.Offset + at, write.Data.AsMemory(at, length)));
        }

        return Task.WhenAll(pieces);
    }

    private async Task FlushAsync(Task[] before)
    {
        await Task.WhenAll(before).ConfigureAwait(false);
        _flusher.Flush(flushToDisk: true);
    }
}
