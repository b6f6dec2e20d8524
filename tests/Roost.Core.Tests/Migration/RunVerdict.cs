using Roost.Core.Migration;

namespace Roost.Core.Tests.Migration;

/// <summary>What one simulated migration came to, and every invariant it broke (empty when none).</summary>
internal sealed record RunVerdict(int Seed, SourceOutcome? Outcome, int RunningAtEnd, bool CrashExcused, IReadOnlyList<string> Violations, IReadOnlyList<string> Trace)
{
    /// <summary>The kinds of fault that happened in this run.</summary>
    public IReadOnlyList<string> FaultsMet { get; init; } = [];

    public bool Lost => Violations.Any(v => v.StartsWith("lost", StringComparison.Ordinal));

    public bool Doubled => Violations.Any(v => v.StartsWith("doubled", StringComparison.Ordinal));

    public bool Stuck => Violations.Any(v => v.StartsWith("stuck", StringComparison.Ordinal));
}
