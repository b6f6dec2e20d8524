using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration.Stream;
using Roost.Core.Sharing;

namespace Roost.Hypervisor.Relay;

/// <summary>
/// <c>roost relay tamper</c>: a man in the middle between the two relay ends, for fault experiments
/// (docs/experiments/cloudnet.md). It passes frames through until <c>--after-bytes</c> have gone towards the
/// destination, then spoils the next data frame once: <c>corrupt</c> flips one byte of it (its MAC no longer holds:
/// what any party on the path without the secret can do), <c>forge</c> replaces it by a well-formed frame with a valid
/// MAC and the right sequence number, holding a reference to a made-up digest (what only a holder of the migration's
/// secret could do: it tests the destination's last check, that a reference names a page it holds). It is given the
/// secret to find the frames and to MAC the forged one. Everything else is copied byte for byte both ways (from the
/// first bytes that are not a frame under this secret, the rest of that direction too: it holds at most one frame);
/// when either side closes, so does the other. One connection, then it is done.
/// </summary>
public sealed class RelayTamper : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();

    private RelayTamper(TcpListener listener, IPEndPoint to, byte[] frameKey, string fault, long afterBytes)
    {
        _listener = listener;
        Completion = RunAsync(to, frameKey, fault, afterBytes, _stop.Token);
    }

    /// <summary>The faults it can make: <c>corrupt</c> or <c>forge</c>.</summary>
    public static IReadOnlyList<string> Faults { get; } = ["corrupt", "forge"];

    /// <summary>The port the source's relay connects to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>What it did to the spoiled frame (one line), or null when the stream ended before one was due.</summary>
    public Task<string?> Completion { get; }

    /// <summary>Listens on <paramref name="listen"/> (port chosen by the system) and relays the one connection to <paramref name="to"/>.</summary>
    public static RelayTamper Start(IPAddress listen, IPEndPoint to, ReadOnlySpan<byte> secret, string fault, long afterBytes)
    {
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(to);
        ArgumentOutOfRangeException.ThrowIfLessThan(secret.Length, RelaySecrets.SecretBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(afterBytes);
        if (!Faults.Contains(fault))
        {
            throw new ArgumentException($"'{fault}' is not corrupt or forge.", nameof(fault));
        }

        var listener = new TcpListener(listen, 0);
        listener.Start(1);
        return new RelayTamper(listener, to, RelaySecrets.FrameKey(secret, towardsDestination: true), fault, afterBytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped before or while it ran.
        }

        _stop.Dispose();
    }

    private async Task<string?> RunAsync(IPEndPoint to, byte[] frameKey, string fault, long afterBytes, CancellationToken cancellationToken)
    {
        using var source = await _listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
        _listener.Stop();
        using var destination = new Socket(to.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await destination.ConnectAsync(to, cancellationToken).ConfigureAwait(false);
        var back = CopyAsync(destination, source, cancellationToken);
        var spoiled = await ForwardAsync(source, destination, frameKey, fault, afterBytes, cancellationToken).ConfigureAwait(false);
        await back.ConfigureAwait(false);
        return spoiled;
    }

    /// <summary>Source to destination, frame by frame; returns what was done to the spoiled frame, or null.</summary>
    private static async Task<string?> ForwardAsync(Socket from, Socket to, byte[] frameKey, string fault, long afterBytes, CancellationToken cancellationToken)
    {
        var pending = new ArrayBufferWriter<byte>(RelayFraming.MaxFrameBytes * 2);
        var buffer = new byte[256 * 1024];
        long forwarded = 0;
        string? spoiled = null;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                pending.Write(buffer.AsSpan(0, read));
                var (consumed, outgoing, done, framed) = Frames(pending.WrittenMemory, frameKey, forwarded, fault, afterBytes, spoiled is not null);
                spoiled ??= done;
                forwarded += consumed;
                await SendAllAsync(to, outgoing, cancellationToken).ConfigureAwait(false);
                if (!framed)
                {
                    // Not this migration's frames (another secret, or not the relay): the rest goes through unread.
                    await CopyAsync(from, to, cancellationToken).ConfigureAwait(false);
                    return spoiled;
                }

                var rest = pending.WrittenSpan[consumed..].ToArray();
                pending.ResetWrittenCount();
                pending.Write(rest);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Reset(to);
        }

        return spoiled;
    }

    /// <summary>
    /// The whole frames at the start of <paramref name="bytes"/>, with at most one spoiled: bytes consumed, bytes to
    /// send, a line when one was spoiled, and whether what follows is still frames (if not, it is all consumed and sent as it is).
    /// </summary>
    private static (int Consumed, byte[] Outgoing, string? Spoiled, bool Framed) Frames(ReadOnlyMemory<byte> bytes, byte[] frameKey, long forwarded, string fault, long afterBytes, bool alreadySpoiled)
    {
        var output = new ArrayBufferWriter<byte>(bytes.Length + 64);
        var at = 0;
        string? spoiled = null;
        FrameRead read;
        while ((read = RelayFraming.TryRead(bytes.Span[at..], frameKey, out var header, out var length, out _)) == FrameRead.Frame)
        {
            var frame = bytes.Span.Slice(at, length);
            if (!alreadySpoiled && spoiled is null && header.Type == RelayFrameType.Data && forwarded + at >= afterBytes)
            {
                spoiled = Spoil(frame, header, frameKey, fault, output);
            }
            else
            {
                output.Write(frame);
            }

            at += length;
        }

        if (read == FrameRead.Corrupt)
        {
            output.Write(bytes.Span[at..]);
            return (bytes.Length, output.WrittenSpan.ToArray(), spoiled, false);
        }

        return (at, output.WrittenSpan.ToArray(), spoiled, true);
    }

    private static string Spoil(ReadOnlySpan<byte> frame, RelayFrameHeader header, byte[] frameKey, string fault, ArrayBufferWriter<byte> output)
    {
        if (fault == "corrupt")
        {
            var copy = frame.ToArray();
            copy[RelayFraming.HeaderBytes + (header.PayloadLength / 2)] ^= 0x01;
            output.Write(copy);
            return string.Create(CultureInfo.InvariantCulture, $"tamper: flipped one bit of data frame {header.Sequence} ({header.PayloadLength} bytes)");
        }

        var digest = PageDigest.ReadFrom(RandomNumberGenerator.GetBytes(PageDigest.SizeBytes));
        var item = RelayEncoder.ReferenceItem(new byte[8], new PageKey(0, 0), digest);
        RelayFraming.Write(output, frameKey, RelayFrameType.Data, FrameCodec.None, header.Channel, header.Sequence, item, item.Length);
        return string.Create(CultureInfo.InvariantCulture, $"tamper: replaced data frame {header.Sequence} by a reference to a made-up digest");
    }

    private static async Task CopyAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await SendAllAsync(to, buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Reset(to);
        }
    }

    private static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await socket.SendAsync(bytes, SocketFlags.None, cancellationToken).ConfigureAwait(false)..];
        }
    }

    /// <summary>A broken side breaks the other too (linger 0: a reset, as a real cut link would look to the relay).</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }
    }
}
