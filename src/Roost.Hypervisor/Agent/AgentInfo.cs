namespace Roost.Hypervisor.Agent;

/// <summary>The agent itself: declared capacity, what is reserved, and how it runs guests.</summary>
public sealed record AgentInfo(string Name, AgentCapacity Capacity, AgentCapacity Reserved, string Accelerator, string KernelRelease, int VmCount)
{
    /// <summary>The guest image profiles a VM may ask for, the default first.</summary>
    public IReadOnlyList<string> Images { get; init; } = [];

    /// <summary>How far admission may reserve guest RAM beyond <see cref="Capacity"/> (1: not at all; see <see cref="AgentOptions.MemoryOvercommit"/>).</summary>
    public double MemoryOvercommit { get; init; } = 1;
}
