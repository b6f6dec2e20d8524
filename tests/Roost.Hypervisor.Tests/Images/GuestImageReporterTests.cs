using System.Diagnostics;
using System.Text;
using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Tests.Images;

/// <summary>
/// The guest reporter's <c>bft</c> commands, run by the host's shell with the image's folders moved under a temporary
/// one: replica keys only ever sit in owner-only files, and their base64 copies are gone once decoded.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestImageReporterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("roost-reporter-test-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void BftFiles_AreOwnerOnly_AndTheirBase64CopiesGoOnceDecoded()
    {
        var keys = Convert.ToBase64String(Encoding.ASCII.GetBytes("node e2\npair a0 00\n"));
        var deployment = Convert.ToBase64String(Encoding.ASCII.GetBytes("f 1\n"));
        Directory.CreateDirectory(Path.Combine(_root, "run"));

        var afterFiles = Run($"bft_command reset; bft_command file keys {keys}; bft_command file deployment {deployment}; ls -l {_root}/run/bft");
        var afterStart = Run("bft_command start e2 10.0.0.1:4000; wait");

        Assert.Equal(2, afterFiles.Split('\n').Count(l => l.StartsWith("-rw------- ", StringComparison.Ordinal) && l.EndsWith(".b64", StringComparison.Ordinal)));
        Assert.StartsWith("{\"ack\":\"bft\"", afterStart, StringComparison.Ordinal);
        var bft = Path.Combine(_root, "run", "bft");
        Assert.Equal(["deployment", "keys"], Directory.GetFiles(bft).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal("node e2\npair a0 00\n", File.ReadAllText(Path.Combine(bft, "keys")));
        Assert.All(Directory.GetFiles(bft), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    /// <summary>Runs <paramref name="commands"/> after the reporter's bft_command, its paths under the temporary folder; its output.</summary>
    private string Run(string commands)
    {
        var script = Encoding.UTF8.GetString(GuestScripts.Load().Reporter);
        var start = script.IndexOf("bft_command() {", StringComparison.Ordinal);
        var end = script.IndexOf("\n}\n", start, StringComparison.Ordinal) + 3;
        var function = script[start..end]
            .Replace("/run/bft", $"{_root}/run/bft", StringComparison.Ordinal)
            .Replace("/opt/dotnet/dotnet", "/bin/sh", StringComparison.Ordinal)
            .Replace("/bin/bft-node", "true", StringComparison.Ordinal);
        var run = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var shell = Process.Start(run) ?? throw new InvalidOperationException("cannot start /bin/sh");
        shell.StandardInput.Write("umask 022\nemit() { printf '%s\\n' \"$1\"; }\n" + function + commands + "\n");
        shell.StandardInput.Close();
        var output = shell.StandardOutput.ReadToEnd();
        Assert.True(shell.WaitForExit(TimeSpan.FromSeconds(30)), "the shell did not finish");
        Assert.True(shell.ExitCode == 0, shell.StandardError.ReadToEnd());
        return output;
    }
}
