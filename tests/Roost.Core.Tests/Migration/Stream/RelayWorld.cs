using Roost.Core.Migration.Stream;

namespace Roost.Core.Tests.Migration.Stream;

/// <summary>
/// A source and a destination relay session joined by a seeded faulty link, carrying 1 to 3 QEMU-shaped streams
/// fed in random chunks. One fault per run (or none): a flipped byte, a dropped or repeated chunk, the link cut,
/// a forged frame with a valid MAC (a reference to a page the destination does not hold, or a proof without the
/// handshake's key), a frame forged by a party without the secret (its MAC does not hold), the wrong secret at one
/// end, an abort by either relay, a corrupted byte on the way back.
/// </summary>
internal sealed class RelayWorld
{
    public enum Fault
    {
        None,
        FlipByte,
        DropChunk,
        RepeatChunk,
        CutLink,
        ForgedReference,
        ForgedProof,
        WrongSecret,
        SourceAborts,
        DestinationAborts,
        CorruptBack,
        ForgedWithoutSecret,
    }

    public sealed record Verdict(Fault Fault, bool DestinationCompleted, bool SourceCompleted, bool AllDelivered, List<string> Violations, string? Failure);

    public static Verdict Run(int seed)
    {
        var random = new Random(seed);
        var fault = (Fault)(seed % Enum.GetValues<Fault>().Length);
        var channels = random.Next(1, 4);
        var streams = Enumerable.Range(0, channels).Select(c => SyntheticStream.Build(seed * 7 + c % 2, pages: random.Next(8, 32), rounds: random.Next(0, 3)).Bytes).ToArray();
        var secret = new byte[32];
        random.NextBytes(secret);
        var otherSecret = (byte[])secret.Clone();
        otherSecret[random.Next(32)] ^= 1;
        var nonces = new byte[2][];
        nonces[0] = new byte[16];
        nonces[1] = new byte[16];
        random.NextBytes(nonces[0]);
        random.NextBytes(nonces[1]);
        var options = new RelayCodecOptions { Compression = FrameCodec.None, FrameKiB = 16 };
        using var source = new RelaySourceSession(options, secret, nonces[0], channels, new NoFrameCompression());
        using var destination = new RelayDestinationSession(fault == Fault.WrongSecret ? otherSecret : secret, nonces[1], channels, []);
        var world = new World(random, fault, streams, RelaySecrets.FrameKey(secret, towardsDestination: true), RelaySecrets.FrameKey(otherSecret, towardsDestination: true));
        world.Source(source.Start());
        world.Pump(source, destination);
        var fed = new int[channels];
        var faultAt = random.Next(1, 40);
        var steps = 0;
        while (!source.IsOver && fed.Where((f, c) => f < streams[c].Length).Any())
        {
            steps++;
            if (!source.IsOpen)
            {
                world.Pump(source, destination);
                if (!source.IsOpen)
                {
                    break;
                }
            }

            var channel = random.Next(channels);
            if (fed[channel] < streams[channel].Length)
            {
                var chunk = Math.Min(random.Next(1, 30_000), streams[channel].Length - fed[channel]);
                world.Source(source.FromQemu(channel, streams[channel].AsSpan(fed[channel], chunk)));
                fed[channel] += chunk;
                if (fed[channel] == streams[channel].Length)
                {
                    world.Source(source.QemuEnded(channel));
                }
            }

            if (steps == faultAt)
            {
                world.Inject(source, destination);
            }

            world.Pump(source, destination);
        }

        if (!world.Injected)
        {
            world.Inject(source, destination);
            world.Pump(source, destination);
        }

        // The source's side closes its connection once it is done (or gave up).
        world.Destination(destination.PeerClosed());
        world.Pump(source, destination);
        return world.Judge(destination.IsCompleted, source.IsOver && !world.SourceFailed);
    }

    // frameKey: the MAC key of the frames towards the destination (a forger holding the secret);
    // strangerKey: one made from another secret (a forger on the path without it).
    private sealed class World(Random random, Fault fault, byte[][] streams, byte[] frameKey, byte[] strangerKey)
    {
        private readonly Queue<byte[]> _forward = new();
        private readonly Queue<byte[]> _back = new();
        private readonly MemoryStream[] _delivered = [.. streams.Select(_ => new MemoryStream())];
        private readonly bool[] _closed = new bool[streams.Length];
        private readonly List<string> _violations = [];
        private bool _linkCut;
        private bool _completed;
        private bool _completedBeforeFault;
        private uint _sourceFrames;
        private bool _opened;
        private string? _failure;

        public bool Injected { get; private set; }

        public bool SourceFailed { get; private set; }

        public void Source(IReadOnlyList<RelayOutput> outputs)
        {
            foreach (var output in outputs)
            {
                switch (output)
                {
                    case RelayOutput.SendToPeer send:
                        _sourceFrames++;
                        if (!_linkCut)
                        {
                            _forward.Enqueue(send.Bytes);
                        }

                        break;
                    case RelayOutput.Failed failed:
                        SourceFailed = true;
                        _failure ??= "source: " + failed.Reason;
                        break;
                    case RelayOutput.DeliverToQemu or RelayOutput.CloseQemu:
                        _violations.Add("the source session delivered to a QEMU");
                        break;
                    default:
                        break;
                }
            }
        }

        public void Destination(IReadOnlyList<RelayOutput> outputs)
        {
            foreach (var output in outputs)
            {
                switch (output)
                {
                    case RelayOutput.SendToPeer send when !_linkCut:
                        _back.Enqueue(send.Bytes);
                        break;
                    case RelayOutput.Opened:
                        _opened = true;
                        break;
                    case RelayOutput.DeliverToQemu deliver:
                        if (!_opened || _closed[deliver.Channel])
                        {
                            _violations.Add($"bytes delivered to channel {deliver.Channel} before the handshake or after its end");
                        }

                        _delivered[deliver.Channel].Write(deliver.Bytes);
                        break;
                    case RelayOutput.Completed:
                        _completed = true;
                        break;
                    case RelayOutput.CloseQemu close:
                        _closed[close.Channel] = true;
                        if (!_delivered[close.Channel].ToArray().AsSpan().SequenceEqual(streams[close.Channel]))
                        {
                            _violations.Add($"channel {close.Channel} ended normally without its whole stream");
                        }

                        break;
                    case RelayOutput.Failed failed:
                        _failure ??= "destination: " + failed.Reason;
                        break;
                    default:
                        break;
                }
            }
        }

        public void Pump(RelaySourceSession source, RelayDestinationSession destination)
        {
            while (_forward.Count > 0 || _back.Count > 0)
            {
                if (_forward.TryDequeue(out var bytes))
                {
                    Destination(destination.FromPeer(bytes));
                }

                if (_back.TryDequeue(out var back))
                {
                    Source(source.FromPeer(back));
                }
            }
        }

        public void Inject(RelaySourceSession source, RelayDestinationSession destination)
        {
            Injected = true;
            _completedBeforeFault = _completed;
            switch (fault)
            {
                case Fault.FlipByte when _forward.Count > 0:
                    var victim = _forward.Peek();
                    victim[random.Next(victim.Length)] ^= (byte)random.Next(1, 256);
                    break;
                case Fault.DropChunk when _forward.Count > 0:
                    _forward.Dequeue();
                    break;
                case Fault.RepeatChunk when _forward.Count > 0:
                    var rest = _forward.ToArray();
                    _forward.Clear();
                    foreach (var frame in rest.Take(1).Concat(rest))
                    {
                        _forward.Enqueue(frame);
                    }

                    break;
                case Fault.CutLink:
                    _linkCut = true;
                    _forward.Clear();
                    _back.Clear();
                    Destination(destination.PeerClosed());
                    Source(source.PeerClosed());
                    break;
                case Fault.ForgedReference:
                    Forge(RelayFrameType.Data, [3, 8, 0, 0, 0, 0, 0, 0, 0, 0x28, 0, 0, .. Enumerable.Repeat((byte)0xAB, 16)]);
                    break;
                case Fault.ForgedProof:
                    Forge(RelayFrameType.Proof, new byte[32]);
                    break;
                case Fault.ForgedWithoutSecret:
                    Forge(RelayFrameType.Data, [3, 8, 0, 0, 0, 0, 0, 0, 0, 0x28, 0, 0, .. Enumerable.Repeat((byte)0xAB, 16)], strangerKey);
                    break;
                case Fault.SourceAborts when !source.IsOver:
                    Source(source.Abort("operator cancelled"));
                    break;
                case Fault.DestinationAborts:
                    Destination(destination.Abort("destination QEMU exited"));
                    break;
                case Fault.CorruptBack when _back.Count > 0:
                    var back = _back.Peek();
                    back[random.Next(back.Length)] ^= 0x40;
                    break;
                default:
                    Injected = false;
                    break;
            }
        }

        public Verdict Judge(bool destinationCompleted, bool sourceCompleted)
        {
            var delivered = _delivered.Select(d => d.ToArray()).ToArray();
            for (var c = 0; c < streams.Length; c++)
            {
                if (!streams[c].AsSpan().StartsWith(delivered[c]))
                {
                    _violations.Add($"channel {c}: delivered bytes are not a prefix of its stream");
                }
            }

            var all = delivered.Select((d, c) => d.AsSpan().SequenceEqual(streams[c])).All(x => x);
            if (destinationCompleted && !all)
            {
                _violations.Add("completed without every stream whole");
            }

            if (fault == Fault.WrongSecret && delivered.Any(d => d.Length > 0))
            {
                _violations.Add("bytes delivered without the secret");
            }

            var applied = Injected && fault is not (Fault.None or Fault.WrongSecret);
            if (applied && destinationCompleted && !_completedBeforeFault)
            {
                _violations.Add($"the destination completed despite {fault}");
            }

            if (applied && fault == Fault.ForgedWithoutSecret && !_completedBeforeFault && _failure?.Contains("fails its MAC", StringComparison.Ordinal) != true)
            {
                _violations.Add("a frame forged without the secret was not refused by its MAC");
            }

            if (!applied && fault == Fault.WrongSecret == destinationCompleted)
            {
                _violations.Add(fault == Fault.WrongSecret ? "completed with the wrong secret" : $"the fault {fault} was not applied, yet not completed ({_failure})");
            }

            return new Verdict(fault, destinationCompleted, sourceCompleted, all, _violations, _failure);
        }

        /// <summary>A frame MACed with <paramref name="key"/> (default: the session's own) and the sequence number the destination expects, in place of the next real one.</summary>
        private void Forge(RelayFrameType type, byte[] payload, byte[]? key = null)
        {
            var sequence = _forward.TryDequeue(out var replaced)
                ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(replaced.AsSpan(8))
                : _sourceFrames;
            var writer = new System.Buffers.ArrayBufferWriter<byte>();
            RelayFraming.Write(writer, key ?? frameKey, type, FrameCodec.None, 0, sequence, payload, payload.Length);
            var rest = _forward.ToArray();
            _forward.Clear();
            _forward.Enqueue(writer.WrittenSpan.ToArray());
            foreach (var frame in rest)
            {
                _forward.Enqueue(frame);
            }
        }
    }
}
