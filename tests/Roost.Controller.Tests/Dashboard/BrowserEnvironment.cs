namespace Roost.Controller.Tests.Dashboard;

/// <summary>Whether the headless-browser test can run here (node, Debian's chromium, tests/browser/node_modules), and if not why.</summary>
internal static class BrowserEnvironment
{
    public const string Chromium = "/usr/bin/chromium";

    public static string? Node { get; } =
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "node")).FirstOrDefault(File.Exists);

    public static string? ScriptDirectory { get; } = RepositoryRoot.Path is { } root ? Path.Combine(root, "tests", "browser") : null;

    public static string? SkipReason { get; } =
        Node is null ? "node is not on PATH: install the Debian package nodejs (.ci/run does) to run the dashboard browser test"
        : !File.Exists(Chromium) ? $"{Chromium} is missing: install the Debian package chromium (.ci/run does) to run the dashboard browser test"
        : ScriptDirectory is null ? "the repository root (Roost.slnx) is not above the test binaries"
        : !Directory.Exists(Path.Combine(ScriptDirectory, "node_modules", "playwright-core"))
            ? $"{ScriptDirectory}/node_modules/playwright-core is missing: run 'npm ci' there (.ci/run does)"
        : null;
}
