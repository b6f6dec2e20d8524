using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

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

    /// <summary>
    /// Runs <c>node SCRIPT ARGS</c> in tests/browser (3 minutes at most), prints its output to the test's, fails the
    /// test when it fails, and returns the JSON of its last line.
    /// </summary>
    public static async Task<JsonElement> RunScriptAsync(ITestOutputHelper output, params string[] args)
    {
        var start = new ProcessStartInfo(Node ?? "node")
        {
            WorkingDirectory = ScriptDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var node = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            Assert.Fail($"the browser script did not finish within 180 s: {await stderr}");
        }

        output.WriteLine(await stdout);
        Assert.True(node.ExitCode == 0, $"the browser script failed ({node.ExitCode}): {await stderr}");
        return JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement.Clone();
    }
}
