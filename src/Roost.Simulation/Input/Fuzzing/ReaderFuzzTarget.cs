namespace Roost.Simulation.Input.Fuzzing;

/// <summary>A reader under fuzzing: prepares seeded malformed inputs and says what a clean outcome allows.</summary>
public abstract class ReaderFuzzTarget
{
    /// <summary>Bytes any case may allocate beyond its proportional share (runtime, parser tables, small outputs).</summary>
    protected const long AllocationSlackBytes = 64L << 20;

    /// <summary>The name on the command line and in the report (<c>planetlab</c>, <c>scenario</c>, …).</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Builds case number <c>index</c> from <paramref name="random"/> (seeded by the run's seed and the index) in
    /// <paramref name="scratch"/>, an empty folder of its own.
    /// </summary>
    public abstract FuzzCase Prepare(Random random, string scratch);

    /// <summary>
    /// Most bytes a case of <paramref name="inputBytes"/> may allocate: what it has read times a constant, plus slack.
    /// Readers whose input declares a size (a VM count) override this with their documented limit.
    /// </summary>
    public virtual long AllocationBound(long inputBytes) => (64 * inputBytes) + AllocationSlackBytes;
}
