using System.Diagnostics.CodeAnalysis;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Api;

/// <summary>
/// A new VM: its size (required: <c>cpuCores</c> in (0, 1024], <c>memoryMiB</c> in (0, 16777216], <c>networkMbps</c> in
/// [0, 1000000]), optionally a name (1 to 100 characters, default <c>vm</c>) and the host it must go on (else the
/// controller places it).
/// </summary>
public sealed record CreateVmRequest(string? Name, double? CpuCores, double? MemoryMiB, double? NetworkMbps, int? Host) : IRequestBody<NewVm>
{
    public const double MaxCpuCores = 1024;
    public const double MaxMemoryMiB = 16_777_216;
    public const double MaxNetworkMbps = 1_000_000;
    public const int MaxNameLength = 100;

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out NewVm? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var name = errors.Name("name", Name, MaxNameLength, "vm");
        var allocation = new ResourceVector(
            errors.Number("cpuCores", CpuCores, 0, MaxCpuCores),
            errors.Number("memoryMiB", MemoryMiB, 0, MaxMemoryMiB),
            errors.Number("networkMbps", NetworkMbps, 0, MaxNetworkMbps, inclusive: true));
        HostId? host = Host is null ? null : new HostId(errors.WholeNumber("host", Host, 0, int.MaxValue));
        command = errors.IsEmpty ? new NewVm(name, allocation, host) : null;
        return command is not null;
    }
}
