namespace Roost.Bft.Simulation;

/// <summary>
/// The simulator's random source: SplitMix64 (Steele, Lea, Flood, 2014). Small, fast, and the same sequence on every
/// runtime, so a seed replays exactly wherever it runs.
/// </summary>
public sealed class SimRandom
{
    private ulong _state;

    public SimRandom(long seed)
    {
        _state = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + 0x632BE59BD9B4E019UL);
    }

    public ulong NextUInt64()
    {
        var z = unchecked(_state += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, max).</summary>
    public int Next(int max) => max <= 1 ? 0 : (int)(NextUInt64() % (ulong)max);

    /// <summary>Uniform in [min, max).</summary>
    public int Next(int min, int max) => min + Next(max - min);

    public long NextLong(long max) => max <= 1 ? 0 : (long)(NextUInt64() % (ulong)max);

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public bool Chance(double probability) => probability > 0 && NextDouble() < probability;

    public void NextBytes(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = unchecked((byte)NextUInt64());
        }
    }

    /// <summary>An independent stream derived from this one (for a node's Byzantine choices, the client's operations).</summary>
    public SimRandom Fork() => new(unchecked((long)NextUInt64()));
}
