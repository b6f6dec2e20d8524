namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// What fuzzing one reader found. A clean reader has no <see cref="Unexpected"/> exception, no <see cref="Hangs"/>,
/// no <see cref="BadMessages"/> (a rejection that is not one printable line), no <see cref="BadAccepts"/> (accepted
/// input that breaks what uses it) and no case <see cref="OverMemory"/> (allocating more than its bound).
/// </summary>
public sealed record ReaderFuzzReport(
    string Reader,
    int Cases,
    int Rejected,
    int Accepted,
    int Unexpected,
    int Hangs,
    int BadMessages,
    int BadAccepts,
    int OverMemory,
    TimeSpan MaxCaseTime,
    long MaxAllocatedBytes,
    long PeakWorkingSetBytes,
    IReadOnlyList<string> Failures)
{
    public bool Clean => Unexpected == 0 && Hangs == 0 && BadMessages == 0 && BadAccepts == 0 && OverMemory == 0;
}
