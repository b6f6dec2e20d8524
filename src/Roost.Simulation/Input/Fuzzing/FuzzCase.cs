namespace Roost.Simulation.Input.Fuzzing;

/// <summary>
/// One prepared input: what it is (for the report), how many bytes it holds (what the reader may allocate in
/// proportion to), and the call that feeds it to the reader. Preparing is not measured; running is.
/// </summary>
public sealed record FuzzCase(string Description, long InputBytes, Func<FuzzOutcome> Run);
