using System.Net;
using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Roost.Core.Model;
using Roost.Core.Recovery;

namespace Roost.Hypervisor.Recovery;

/// <summary>
/// Failback's resynchronisation over TCP (<c>roost dr failback</c>), both ends: the recovered primary site listens
/// (<see cref="ReceiveAsync"/>) with the disk it had when it was lost; the cloud site connects
/// (<see cref="SendAsync"/>) with the disk its failed-over guest ran on. The protocol is
/// <see cref="ResyncReceiver"/> and <see cref="ResyncSender"/> in authenticated replication frames; only blocks
/// whose digests differ cross, and the receiver's image is fsynced before it acknowledges.
/// </summary>
public static class DiskResync
{
    /// <summary>How one end's session went: blocks moved of the disk's, and the bytes that crossed each way.</summary>
    public sealed record Report(long Blocks, long BlocksMoved, long BytesSent, long BytesReceived, long DiskBytes);

    public static async Task<Report> ReceiveAsync(IPEndPoint listen, ReadOnlyMemory<byte> key, VmId vm, string imagePath, int blockBytes, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(imagePath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        var image = file.SafeFileHandle;
        var plan = Plan(image, blockBytes);
        var receiver = new ResyncReceiver(vm, plan, Digests(image, plan));
        using var listener = new Socket(listen.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(listen);
        listener.Listen(1);
        var socket = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = new ReplicationConnection(socket, new ReplicationFrameCodec(key.Span));
        var codec = new ReplicationFrameCodec(key.Span);
        await connection.SendAsync([.. receiver.Start().Select(o => codec.Encode(((ResyncOutput.Send)o).Message))], cancellationToken).ConfigureAwait(false);
        while (await connection.ReadAsync(cancellationToken).ConfigureAwait(false) is { } message)
        {
            foreach (var output in receiver.Handle(message))
            {
                switch (output)
                {
                    case ResyncOutput.WriteBlock write:
                        RandomAccess.Write(image, write.Data.Span, write.Offset);
                        break;
                    case ResyncOutput.Send send:
                        file.Flush(flushToDisk: true);
                        await connection.SendAsync([codec.Encode(send.Message)], cancellationToken).ConfigureAwait(false);
                        break;
                    case ResyncOutput.Finished finished:
                        return new Report(plan.Blocks, finished.Blocks, connection.BytesSent, connection.BytesReceived, plan.DiskBytes);
                    case ResyncOutput.Failed failed:
                        throw new IOException($"failback from {connection.Peer}: {failed.Reason}");
                    default:
                        break;
                }
            }
        }

        throw new IOException($"failback: {connection.Peer} closed the connection before the disks were equal");
    }

    public static async Task<Report> SendAsync(IPEndPoint to, ReadOnlyMemory<byte> key, VmId vm, string imagePath, int blockBytes, CancellationToken cancellationToken)
    {
        using var image = File.OpenHandle(imagePath, FileMode.Open, FileAccess.Read);
        var plan = Plan(image, blockBytes);
        var sender = new ResyncSender(vm, plan, Digests(image, plan));
        var socket = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(to, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        await using var connection = new ReplicationConnection(socket, new ReplicationFrameCodec(key.Span));
        var codec = new ReplicationFrameCodec(key.Span);
        while (await connection.ReadAsync(cancellationToken).ConfigureAwait(false) is { } message)
        {
            var frames = new List<byte[]>();
            foreach (var output in sender.Handle(message))
            {
                switch (output)
                {
                    case ResyncOutput.SendBlock block:
                        var data = new byte[plan.LengthOf(block.Block)];
                        RandomAccess.Read(image, data, block.Block * plan.BlockBytes);
                        frames.Add(codec.Encode(sender.BlockWrite(block.Block, block.Sequence, data)));
                        if (frames.Count >= 64)
                        {
                            await connection.SendAsync(frames, cancellationToken).ConfigureAwait(false);
                            frames.Clear();
                        }

                        break;
                    case ResyncOutput.Send send:
                        frames.Add(codec.Encode(send.Message));
                        break;
                    case ResyncOutput.Finished finished:
                        return new Report(plan.Blocks, finished.Blocks, connection.BytesSent, connection.BytesReceived, plan.DiskBytes);
                    case ResyncOutput.Failed failed:
                        throw new IOException($"failback to {connection.Peer}: {failed.Reason}");
                    default:
                        break;
                }
            }

            if (frames.Count > 0)
            {
                await connection.SendAsync(frames, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new IOException($"failback: {connection.Peer} closed the connection before the disks were equal (see its log)");
    }

    private static ResyncPlan Plan(SafeFileHandle image, int blockBytes)
    {
        var plan = new ResyncPlan(RandomAccess.GetLength(image), blockBytes);
        return plan.Validate() is { } invalid ? throw new IOException(invalid) : plan;
    }

    private static byte[] Digests(SafeFileHandle image, ResyncPlan plan)
    {
        var digests = new byte[plan.Blocks * ResyncPlan.DigestBytes];
        var block = new byte[plan.BlockBytes];
        for (long i = 0; i < plan.Blocks; i++)
        {
            var length = plan.LengthOf(i);
            if (RandomAccess.Read(image, block.AsSpan(0, length), i * plan.BlockBytes) != length)
            {
                throw new IOException($"block {i}: short read");
            }

            ResyncPlan.Digest(block.AsSpan(0, length), digests.AsSpan((int)(i * ResyncPlan.DigestBytes), ResyncPlan.DigestBytes));
        }

        return digests;
    }
}
