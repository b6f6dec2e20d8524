using System.Globalization;

namespace Roost.Hypervisor.Agent;

/// <summary>What a host agent may hand out to VMs: virtual CPUs and guest RAM in MiB.</summary>
public sealed record AgentCapacity(int Cpus, int MemoryMiB)
{
    /// <summary>Parses <c>cpus=N,memory=MiB</c>; on failure <paramref name="error"/> says which part is wrong.</summary>
    public static bool TryParse(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out AgentCapacity? capacity, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        capacity = null;
        error = "";
        int? cpus = null, memory = null;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
            {
                error = $"capacity '{text}': '{part}' is not name=positive-number";
                return false;
            }

            switch (pair[0])
            {
                case "cpus":
                    cpus = value;
                    break;
                case "memory":
                    memory = value;
                    break;
                default:
                    error = $"capacity '{text}': unknown resource '{pair[0]}' (known: cpus, memory)";
                    return false;
            }
        }

        if (cpus is null || memory is null)
        {
            error = $"capacity '{text}': needs both cpus=N and memory=MiB";
            return false;
        }

        capacity = new AgentCapacity(cpus.Value, memory.Value);
        return true;
    }

    public bool Fits(int cpus, int memoryMiB) => cpus <= Cpus && memoryMiB <= MemoryMiB;

    public override string ToString() => $"cpus={Cpus},memory={MemoryMiB}";
}
