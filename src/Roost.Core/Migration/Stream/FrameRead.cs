namespace Roost.Core.Migration.Stream;

/// <summary>The outcome of reading a relay frame from the start of a buffer.</summary>
public enum FrameRead
{
    NeedMore,
    Frame,
    Corrupt,
}
