namespace Roost.Hypervisor.Agent;

/// <summary>A VM as the agent lists it. <see cref="Pid"/> is the QEMU process id; <see cref="Nic"/> its network card, if any.</summary>
public sealed record VmInfo(string Id, int Cpus, int MemoryMiB, VmState State, int Pid, string MemoryPath, NicRequest? Nic = null)
{
    /// <summary>The size of its virtual disk in MiB (0: none).</summary>
    public int DiskMiB { get; init; }

    /// <summary>The guest image profile it booted (or, migrated in, was booted with at its first host).</summary>
    public string Image { get; init; } = "";
}
