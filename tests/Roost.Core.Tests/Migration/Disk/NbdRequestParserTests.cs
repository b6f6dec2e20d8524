using System.Buffers.Binary;
using Roost.Core.Migration.Disk;
using Roost.Core.Migration.Stream;
using Roost.Core.Tests.Migration.Stream;

namespace Roost.Core.Tests.Migration.Disk;

public sealed class NbdRequestParserTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Parse_AnySplit_HandsOnTheStreamByteForByte_WritesAsBlocks(int seed)
    {
        var random = new Random(seed);
        var client = ClientStream(random, out var alignedBlocks);

        var sink = RecordingSink.Parse(new NbdRequestParser(), client, random, maxChunk: 9000);

        Assert.Equal(client, sink.Bytes);
        Assert.Equal(alignedBlocks, sink.Keys);
    }

    [Fact]
    public void Parse_BytesThatAreNoRequest_PassTheRestThrough()
    {
        var parser = new NbdRequestParser();
        var stream = new byte[4 + 40];
        new Random(7).NextBytes(stream);

        var sink = RecordingSink.Parse(parser, stream, new Random(1));

        Assert.Equal(stream, sink.Bytes);
        Assert.Equal(0, sink.Pages);
        Assert.NotNull(parser.PassThroughReason);
    }

    [Theory]
    [InlineData(0x49484156454F5054, 16, 12, 0xFFFF_FFFFu)] // an option declaring 4 GiB of data
    [InlineData(0x25609513_0000_0001, 28, 24, 0x7FFF_FFFFu)] // a compact write header declaring 2 GiB
    public void Parse_HoldsBackLessThanABlock_WhateverLengthIsDeclared(ulong magic, int headerBytes, int lengthAt, uint length)
    {
        var parser = new NbdRequestParser();
        var stream = new byte[4 + headerBytes + (3 * NbdRequestParser.BlockSize) + 100];
        BinaryPrimitives.WriteUInt64BigEndian(stream.AsSpan(4), magic);
        BinaryPrimitives.WriteUInt32BigEndian(stream.AsSpan(4 + lengthAt), length);
        var sink = new RecordingSink();

        var consumed = parser.Parse(stream, sink);

        Assert.InRange(stream.Length - consumed, 0, NbdRequestParser.BlockSize - 1);
        Assert.Equal(stream[..consumed], sink.Bytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ThroughBothSessions_RequestsArriveWhole_RepliesComeBack_RepeatedBlocksGoAsReferences(int seed)
    {
        var random = new Random(seed);
        var client = ClientStream(random, out _, repeat: true);
        var secret = new byte[32];
        random.NextBytes(secret);
        var options = new RelayCodecOptions { Compression = FrameCodec.None };
        using var source = new RelaySourceSession(options, secret, new byte[16], 1, new NoFrameCompression(), _ => new NbdRequestParser());
        using var destination = new RelayDestinationSession(secret, Enumerable.Repeat((byte)1, 16).ToArray(), 1, []);
        var toDestination = new Queue<byte[]>();
        var atServer = new MemoryStream();
        var atClient = new MemoryStream();
        void FromSource(IReadOnlyList<RelayOutput> outputs) => Route(outputs, toDestination.Enqueue, atClient);

        void Pump()
        {
            while (toDestination.TryDequeue(out var bytes))
            {
                Route(destination.FromPeer(bytes), send => FromSource(source.FromPeer(send)), atServer);
            }
        }

        FromSource(source.Start());
        Pump();
        Assert.True(source.IsOpen);
        for (var at = 0; at < client.Length;)
        {
            var chunk = Math.Min(random.Next(1, 20_000), client.Length - at);
            FromSource(source.FromQemu(0, client.AsSpan(at, chunk)));
            at += chunk;
            Pump();
        }

        var reply = new byte[] { 0x67, 0x44, 0x66, 0x98, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8 };
        foreach (var output in destination.FromQemu(0, reply))
        {
            FromSource(source.FromPeer(((RelayOutput.SendToPeer)output).Bytes));
        }

        Assert.Equal(client, atServer.ToArray());
        Assert.Equal(reply, atClient.ToArray());
        Assert.True(source.Traffic.DeduplicatedPages > 0, $"{source.Traffic}");
        Assert.True(source.Traffic.WireBytes < client.Length, $"{source.Traffic.WireBytes} bytes on the link for {client.Length}");
    }

    /// <summary>One relay end's outputs: frames to the other end, bytes to its QEMU; a failure fails the test.</summary>
    private static void Route(IReadOnlyList<RelayOutput> outputs, Action<byte[]> toPeer, System.IO.Stream toQemu)
    {
        foreach (var output in outputs)
        {
            switch (output)
            {
                case RelayOutput.SendToPeer send:
                    toPeer(send.Bytes);
                    break;
                case RelayOutput.DeliverToQemu deliver:
                    toQemu.Write(deliver.Bytes);
                    break;
                case RelayOutput.Failed failed:
                    Assert.Fail(failed.Reason);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// A client's side of an NBD connection: flags, two options, then writes (aligned, unaligned, compact and
    /// extended headers), flushes and reads. <paramref name="alignedBlocks"/> lists the block numbers sent as blocks.
    /// </summary>
    private static byte[] ClientStream(Random random, out List<PageKey> alignedBlocks, bool repeat = false)
    {
        var stream = new MemoryStream();
        alignedBlocks = [];
        stream.Write([0, 0, 0, 3]);
        foreach (var option in new[] { 8u, 7u })
        {
            var data = new byte[random.Next(0, 40)];
            random.NextBytes(data);
            var header = new byte[16];
            BinaryPrimitives.WriteUInt64BigEndian(header, 0x49484156454F5054);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), option);
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), (uint)data.Length);
            stream.Write(header);
            stream.Write(data);
        }

        var block = new byte[4096];
        random.NextBytes(block);
        for (var i = 0; i < 30; i++)
        {
            var extended = i % 3 == 2;
            var type = (ushort)(i % 5 == 4 ? 3 : i % 7 == 6 ? 0 : 1); // flush, read, or write
            var aligned = i % 4 != 3;
            var blocks = random.Next(1, 20);
            var offset = (ulong)random.Next(0, 100_000) * 4096 + (aligned ? 0ul : 512ul);
            var length = type == 1 ? blocks * 4096 + (i % 6 == 5 ? 100 : 0) : type == 0 ? 65536 : 0;
            var header = new byte[extended ? 32 : 28];
            BinaryPrimitives.WriteUInt32BigEndian(header, extended ? 0x21e41c71u : 0x25609513u);
            BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), type);
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(8), (ulong)i);
            BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(16), offset);
            if (extended)
            {
                BinaryPrimitives.WriteUInt64BigEndian(header.AsSpan(24), (ulong)length);
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(24), (uint)length);
            }

            stream.Write(header);
            if (type != 1)
            {
                continue;
            }

            var payload = new byte[length];
            if (repeat)
            {
                for (var b = 0; b + 4096 <= length; b += 4096)
                {
                    block.CopyTo(payload, b);
                }
            }
            else
            {
                random.NextBytes(payload);
            }

            stream.Write(payload);
            if (aligned)
            {
                alignedBlocks.AddRange(Enumerable.Range(0, blocks).Select(b => new PageKey(0, (long)(offset / 4096) + b)));
            }
        }

        return stream.ToArray();
    }
}
