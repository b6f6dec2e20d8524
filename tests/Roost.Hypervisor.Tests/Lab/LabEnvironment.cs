namespace Roost.Hypervisor.Tests.Lab;

/// <summary>Whether this machine can build network labs, and if not, the one line saying why.</summary>
internal static class LabEnvironment
{
    public static string? SkipReason { get; } = Find();

    private static string? Find()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network labs need Linux network namespaces";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "network labs need root (network namespaces, veth, tc): run the tests as root, as CI does";
        }

        string[] tools = ["ip", "tc"];
        if (tools.FirstOrDefault(tool => QemuEnvironment.Find(tool) is null) is { } missing)
        {
            return $"'{missing}' is not on PATH: install the Debian package iproute2";
        }

        return QemuEnvironment.Find("ping") is null && QemuEnvironment.Find("busybox") is null
            ? "neither ping nor busybox is on PATH: install the Debian package iputils-ping (.ci/run does)"
            : null;
    }
}

/// <summary>A fact that builds a network lab; reported as skipped, with the reason, where labs cannot be built.</summary>
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute()
    {
        if (LabEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>Lab tests run one at a time: each measures the link, and a neighbour's transfer would share the CPU.</summary>
[CollectionDefinition(Name)]
public sealed class LabTestGroup : ICollectionFixture<WanLabFixture>
{
    public const string Name = "network lab";
}
