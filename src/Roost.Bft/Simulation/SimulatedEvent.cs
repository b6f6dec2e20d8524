using Roost.Bft.Messages;

namespace Roost.Bft.Simulation;

internal enum SimulatedEventKind
{
    Deliver,
    Timer,
    Submit,
    Fault,
}

/// <summary>An entry of the simulator's event queue, ordered by (time, insertion order).</summary>
internal sealed class SimulatedEvent
{
    public SimulatedEvent(SimulatedEventKind kind, int target)
    {
        Kind = kind;
        Target = target;
    }

    public SimulatedEventKind Kind { get; }

    public int Target { get; }

    public NodeId From { get; init; }

    public Message? Message { get; init; }

    public TimerKind Timer { get; init; }

    public long Token { get; init; }

    public Action? Action { get; init; }
}
