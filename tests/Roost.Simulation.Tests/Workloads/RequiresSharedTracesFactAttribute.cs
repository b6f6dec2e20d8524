namespace Roost.Simulation.Tests.Workloads;

/// <summary>A fact that the runner reports as skipped, with the reason, when ../shared/traces/RELATIVE is absent.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequiresSharedTracesFactAttribute : FactAttribute
{
    public RequiresSharedTracesFactAttribute(string relative)
    {
        Relative = relative;
        if (SharedTraces.Find(relative) is null)
        {
            Skip = SharedTraces.SkipMessage(relative);
        }
    }

    public string Relative { get; }
}
