using System.Buffers.Binary;
using Roost.Core.Recovery;

namespace Roost.Core.Tests.Recovery;

/// <summary>
/// The NBD server's protocol: QEMU's negotiation (options it does not know answered "unsupported", then GO), reads,
/// writes and flushes; and, over seeded random client streams cut at random places and with random corruption, that
/// the outputs do not depend on how the bytes arrive, that nothing outside the export reaches the host, and that the
/// session never holds more than one request.
/// </summary>
public sealed class NbdServerSessionTests
{
    private const long ExportBytes = 1 << 20;
    private const int MaxRequest = 64 * 1024;

    [Fact]
    public void Greeting_IsFixedNewstyleWithoutZeroes()
    {
        var greeting = NbdServerSession.Greeting();

        Assert.Equal("NBDMAGICIHAVEOPT"u8.ToArray(), greeting[..16]);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16BigEndian(greeting.AsSpan(16)));
    }

    [Fact]
    public void Negotiation_UnknownOptionThenGo_AnswersUnsupportedThenInfoAndAck()
    {
        var session = new NbdServerSession(ExportBytes, MaxRequest);

        var outputs = session.Receive([.. ClientFlags(3), .. Option(8, []), .. Option(7, GoData("disk"))]);

        var unsupported = Assert.IsType<NbdServerOutput.Send>(outputs[0]).Bytes;
        Assert.Equal(0x80000001u, BinaryPrimitives.ReadUInt32BigEndian(unsupported.AsSpan(12)));
        var go = Assert.IsType<NbdServerOutput.Send>(outputs[1]).Bytes;
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32BigEndian(go.AsSpan(12)));
        Assert.Equal((ulong)ExportBytes, BinaryPrimitives.ReadUInt64BigEndian(go.AsSpan(22)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(go.AsSpan(32 + 12)));
        Assert.IsType<NbdServerOutput.Ready>(outputs[2]);
        Assert.Equal(3, outputs.Count);
    }

    [Theory]
    [InlineData(1u, 134)]
    [InlineData(3u, 10)]
    public void ExportName_AnswersSizeAndFlags_WithZeroesUnlessRefused(uint clientFlags, int replyBytes)
    {
        var session = new NbdServerSession(ExportBytes, MaxRequest);

        var outputs = session.Receive([.. ClientFlags(clientFlags), .. Option(1, "x"u8)]);

        var reply = Assert.IsType<NbdServerOutput.Send>(outputs[0]).Bytes;
        Assert.Equal(replyBytes, reply.Length);
        Assert.Equal((ulong)ExportBytes, BinaryPrimitives.ReadUInt64BigEndian(reply));
        Assert.IsType<NbdServerOutput.Ready>(outputs[1]);
    }

    [Fact]
    public void Requests_ReadWriteFlushDisconnect_BecomeHostOutputs()
    {
        var session = Ready();

        var outputs = session.Receive([
            .. Request(1, 7, 4096, 4096, new byte[4096]), .. Request(0, 8, 0, 512), .. Request(3, 9, 0, 0), .. Request(2, 10, 0, 0)]);

        var write = Assert.IsType<NbdServerOutput.Write>(outputs[0]);
        Assert.Equal((7ul, 4096L, 4096), (write.Handle, write.Offset, write.Data.Length));
        Assert.Equal(new NbdServerOutput.Read(8, 0, 512), outputs[1]);
        Assert.Equal(new NbdServerOutput.Flush(9), outputs[2]);
        Assert.IsType<NbdServerOutput.Close>(outputs[3]);
        Assert.True(session.IsClosed);
    }

    [Theory]
    [InlineData(0, ExportBytes - 100, 200)]
    [InlineData(1, ExportBytes, 1)]
    [InlineData(0, long.MaxValue, 4096)]
    [InlineData(4, 0, 4096)]
    public void Request_OutsideTheExportOrNotOffered_IsAnsweredEinvalBySession(int type, long offset, int length)
    {
        var session = Ready();

        var outputs = session.Receive(Request((ushort)type, 5, offset, length, type == 1 ? new byte[length] : null));

        var reply = Assert.IsType<NbdServerOutput.Send>(Assert.Single(outputs)).Bytes;
        Assert.Equal(NbdServerSession.SimpleReply(5, NbdServerSession.EInval), reply);
    }

    [Fact]
    public void Request_LongerThanTheLimit_ClosesBeforeBufferingIt()
    {
        var session = Ready();

        var outputs = session.Receive(Request(1, 5, 0, MaxRequest + 1));

        Assert.IsType<NbdServerOutput.Close>(Assert.Single(outputs));
        Assert.True(session.Buffered <= 28);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomClientStream_AnyCutting_GivesTheSameOutputs_AndStaysInsideTheExport(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 50; trial++)
        {
            var stream = RandomStream(random, corrupt: false);

            var whole = Describe(new NbdServerSession(ExportBytes, MaxRequest).Receive(stream));
            var cut = new NbdServerSession(ExportBytes, MaxRequest);
            var pieces = new List<string>();
            for (var at = 0; at < stream.Length;)
            {
                var length = Math.Min(stream.Length - at, random.Next(1, 3000));
                pieces.AddRange(Describe(cut.Receive(stream.AsSpan(at, length))));
                Assert.True(cut.Buffered <= 28 + MaxRequest, $"seed {seed} trial {trial}: {cut.Buffered} bytes buffered");
                at += length;
            }

            Assert.Equal(whole, pieces);
            Assert.DoesNotContain(whole, d => d.StartsWith("close", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void CorruptedClientStream_NeverThrows_NeverReachesOutsideTheExport(int seed)
    {
        var random = new Random(seed);
        for (var trial = 0; trial < 200; trial++)
        {
            var stream = RandomStream(random, corrupt: true);
            var session = new NbdServerSession(ExportBytes, MaxRequest);

            for (var at = 0; at < stream.Length && !session.IsClosed;)
            {
                var length = Math.Min(stream.Length - at, random.Next(1, 5000));
                foreach (var output in session.Receive(stream.AsSpan(at, length)))
                {
                    var (offset, bytes) = output switch
                    {
                        NbdServerOutput.Read r => (r.Offset, (long)r.Length),
                        NbdServerOutput.Write w => (w.Offset, w.Data.Length),
                        _ => (0L, 0L),
                    };
                    Assert.True(offset >= 0 && bytes >= 0 && offset + bytes <= ExportBytes, $"seed {seed} trial {trial}: {output} outside the export");
                }

                Assert.True(session.Buffered <= 28 + MaxRequest, $"seed {seed} trial {trial}: {session.Buffered} bytes buffered");
                at += length;
            }
        }
    }

    private static NbdServerSession Ready()
    {
        var session = new NbdServerSession(ExportBytes, MaxRequest);
        Assert.IsType<NbdServerOutput.Ready>(session.Receive([.. ClientFlags(3), .. Option(7, GoData(""))])[^1]);
        return session;
    }

    /// <summary>A client's whole conversation: flags, a few options, then requests (some outside the export); corrupt flips random bytes.</summary>
    private static byte[] RandomStream(Random random, bool corrupt)
    {
        var bytes = new List<byte>(ClientFlags(3));
        for (var i = random.Next(0, 3); i > 0; i--)
        {
            bytes.AddRange(Option((uint)random.Next(8, 12), new byte[random.Next(0, 40)]));
        }

        bytes.AddRange(Option(7, GoData("d")));
        for (var i = random.Next(1, 30); i > 0; i--)
        {
            var offset = random.Next(4) == 0 ? random.NextInt64(0, 2 * ExportBytes) : random.Next(0, (int)(ExportBytes / 512)) * 512L;
            var length = random.Next(1, 16) * 512;
            bytes.AddRange(random.Next(3) switch
            {
                0 => Request(0, (ulong)i, offset, length),
                1 => Request(1, (ulong)i, offset, length, [.. Enumerable.Range(0, length).Select(b => (byte)random.Next(256))]),
                _ => Request(3, (ulong)i, 0, 0),
            });
        }

        var stream = bytes.ToArray();
        if (corrupt)
        {
            for (var flips = random.Next(1, 6); flips > 0; flips--)
            {
                stream[random.Next(stream.Length)] = (byte)random.Next(256);
            }
        }

        return stream;
    }

    private static List<string> Describe(IReadOnlyList<NbdServerOutput> outputs) =>
        [.. outputs.Select(o => o switch
        {
            NbdServerOutput.Send s => "send " + Convert.ToHexString(s.Bytes),
            NbdServerOutput.Write w => $"write {w.Handle} {w.Offset} {Convert.ToHexString(w.Data)}",
            NbdServerOutput.Close c => "close " + c.Reason,
            _ => o.ToString(),
        })];

    private static byte[] ClientFlags(uint flags)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, flags);
        return bytes;
    }

    private static byte[] Option(uint option, ReadOnlySpan<byte> data)
    {
        var bytes = new byte[16 + data.Length];
        "IHAVEOPT"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(12), (uint)data.Length);
        data.CopyTo(bytes.AsSpan(16));
        return bytes;
    }

    private static byte[] GoData(string name)
    {
        var bytes = new byte[4 + name.Length + 2 + 2];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)name.Length);
        System.Text.Encoding.ASCII.GetBytes(name, bytes.AsSpan(4));
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(4 + name.Length), 1);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6 + name.Length), 3);
        return bytes;
    }

    private static byte[] Request(ushort type, ulong handle, long offset, int length, byte[]? payload = null)
    {
        var bytes = new byte[28 + (payload?.Length ?? 0)];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, 0x25609513);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(6), type);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), handle);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(16), (ulong)offset);
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(24), (uint)length);
        payload?.CopyTo(bytes.AsSpan(28));
        return bytes;
    }
}
