using Roost.Core.Balancing.Consolidation;

namespace Roost.Core.Tests.Balancing.Consolidation;

/// <summary>A fallback detector for tests: always gives the same answer and counts how often it was asked.</summary>
internal sealed class FixedAnswerDetector : IOverloadDetector
{
    private readonly bool _answer;

    public FixedAnswerDetector(bool answer)
    {
        _answer = answer;
    }

    public string Name => "fixed";

    public int Calls { get; private set; }

    public bool IsOverloaded(HostLoad load)
    {
        Calls++;
        return _answer;
    }
}
