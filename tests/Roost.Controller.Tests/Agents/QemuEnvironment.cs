namespace Roost.Controller.Tests.Agents;

/// <summary>Whether this machine can run real agents, and if not, the one line saying why.</summary>
internal static class QemuEnvironment
{
    public const string Binary = "qemu-system-x86_64";

    public static string? SkipReason { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, Binary)))
            ? null
            : $"{Binary} is not on PATH: install the Debian package qemu-system-x86 (.ci/run does) to run the tests with real agents";
}
