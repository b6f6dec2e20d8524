using System.Diagnostics.CodeAnalysis;
using Roost.Controller.Store;
using Roost.Core.Model;

namespace Roost.Controller.Api;

/// <summary>
/// A new VM: its size (required: <c>cpuCores</c> in (0, 1024], <c>memoryMiB</c> in (0, 16777216], <c>networkMbps</c> in
/// [0, 1000000]), optionally a name (1 to 100 characters, unique among VMs, not of an id's form such as <c>12</c> or
/// <c>vm-12</c>; default: the id, <c>vm-N</c>), the host it must go on, by id (else the controller places it), and
/// the guest image profile it boots (<c>image</c>: 1 to 32 lower-case letters, digits or dashes, one the hosts offer;
/// default: the host's first).
/// </summary>
public sealed record CreateVmRequest(string? Name, double? CpuCores, double? MemoryMiB, double? NetworkMbps, int? Host, string? Image = null) : IRequestBody<NewVm>
{
    public const double MaxCpuCores = 1024;
    public const double MaxMemoryMiB = 16_777_216;
    public const double MaxNetworkMbps = 1_000_000;
    public const int MaxNameLength = 100;

    public static IReadOnlyList<string> RequiredFields { get; } = ["cpuCores", "memoryMiB", "networkMbps"];

    public bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out NewVm? command)
    {
        ArgumentNullException.ThrowIfNull(errors);
        string? name = null;
        if (Name is not null)
        {
            name = errors.Name("name", Name, MaxNameLength, "");
            if (NameOrId.TryParseId(Name, "vm-", out _))
            {
                errors.Add("name", $"'{Name}' has the form of a VM id (ids are the controller's): choose another name, or give none to be named by the id");
            }
        }

        var allocation = new ResourceVector(
            errors.Number("cpuCores", CpuCores, 0, MaxCpuCores),
            errors.Number("memoryMiB", MemoryMiB, 0, MaxMemoryMiB),
            errors.Number("networkMbps", NetworkMbps, 0, MaxNetworkMbps, inclusive: true));
        HostId? host = Host is null ? null : new HostId(errors.WholeNumber("host", Host, 0, int.MaxValue));
        if (Image is not null && !Roost.Hypervisor.Qemu.GuestSpec.IsValidImageName(Image))
        {
            errors.Add("image", $"'{FieldErrors.Printable(Image)}' is not an image profile name (1 to 32 lower-case letters, digits or dashes, such as minimal)");
        }

        command = errors.IsEmpty ? new NewVm(name, allocation, host, Image) : null;
        return command is not null;
    }
}
