using Roost.Core.Model;

namespace Roost.Controller.Control;

/// <summary>What one step decided: its commands in order, the hosts now hot, and the hot hosts no plan relieves.</summary>
internal sealed record ControlDecision(IReadOnlyList<ControlCommand> Commands, IReadOnlySet<HostId> Hot, IReadOnlySet<HostId> Unresolved);
