using System.Diagnostics;

namespace Roost.Cli.Tests;

/// <summary>Runs the built CLI (roost.dll beside the tests) as a real process and captures what it prints.</summary>
internal static class RoostProcess
{
    public sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    public static Outcome Run(params string[] args) => Run(TimeSpan.FromMinutes(2), args);

    /// <summary>As <see cref="Run(string[])"/>, for a command that may take longer than 2 minutes (an image build).</summary>
    public static Outcome Run(TimeSpan limit, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "roost.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"roost {string.Join(' ', args)} did not finish in {limit.TotalMinutes:0.#} minutes");
        }

        return new Outcome(process.ExitCode, stdout.Result, stderr.Result);
    }
}
