namespace Roost.Hypervisor.Tests;

/// <summary>Whether this machine can run the QEMU tests, and if not, the one line saying why.</summary>
internal static class QemuEnvironment
{
    public const string Binary = "qemu-system-x86_64";

    public static string? SkipReason { get; } = Find(Binary) is null
        ? $"{Binary} is not on PATH: install the Debian package qemu-system-x86 (.ci/run does) to run the real-VM tests"
        : null;

    public static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
