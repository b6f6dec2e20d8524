using Roost.Simulation.Input.Fuzzing;

namespace Roost.Cli.Tests.Commands;

/// <summary>
/// <c>roost relay</c>'s files through the real CLI: the secret and the pinned RAM files must be regular files (a FIFO
/// would block the relay), the secret owner-only; anything else is one line on stderr and exit code 2.
/// </summary>
public sealed class RelayCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-cli-relay-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void SecretFileIsAFifo_OneLineAndExitTwo()
    {
        var fifo = Path.Combine(_folder, "secret");
        SpecialFile.MakeFifo(fifo);

        AssertOneCleanLine(
            RoostProcess.Run("relay", "destination", "--listen", "127.0.0.1", "--qemu", "127.0.0.1:9", "--secret-file", fifo),
            $"roost relay: --secret-file {fifo}: is a named pipe (FIFO), not a regular file");
    }

    [Fact]
    public void SecretFileReadableByOthers_OneLineAndExitTwo()
    {
        var secret = Secret(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        AssertOneCleanLine(
            RoostProcess.Run("relay", "destination", "--listen", "127.0.0.1", "--qemu", "127.0.0.1:9", "--secret-file", secret),
            $"roost relay: --secret-file {secret}: is readable or writable by others (chmod 600 it)");
    }

    [Fact]
    public void PinFileIsAFifo_OneLineAndExitTwo()
    {
        var fifo = Path.Combine(_folder, "ram");
        SpecialFile.MakeFifo(fifo);

        AssertOneCleanLine(
            RoostProcess.Run("relay", "destination", "--listen", "127.0.0.1", "--qemu", "127.0.0.1:9", "--secret-file", Secret(UnixFileMode.UserRead | UnixFileMode.UserWrite), "--pin", fifo),
            $"roost relay destination: --pin {fifo}: is a named pipe (FIFO), not a regular file");
    }

    [Fact]
    public void NbdDestinationWithoutExport_OneLineAndExitTwo() =>
        AssertOneCleanLine(
            RoostProcess.Run("relay", "nbd-destination", "--listen", "127.0.0.1", "--secret-file", Secret(UnixFileMode.UserRead | UnixFileMode.UserWrite)),
            "roost relay nbd-destination: --export SOCKET is required");

    [Fact]
    public void NbdSourceWithAQemuOption_OneLineAndExitTwo() =>
        AssertOneCleanLine(
            RoostProcess.Run("relay", "nbd-source", "--to", "127.0.0.1:9", "--qemu", "127.0.0.1:9", "--secret-file", Secret(UnixFileMode.UserRead | UnixFileMode.UserWrite)),
            "roost relay: --qemu does not apply to 'nbd-source'");

    private static void AssertOneCleanLine(RoostProcess.Outcome outcome, string expected)
    {
        Assert.Equal(2, outcome.ExitCode);
        Assert.Equal(string.Empty, outcome.Stdout);
        Assert.Equal(expected + "\n", outcome.Stderr);
    }

    private string Secret(UnixFileMode mode)
    {
        var path = Path.Combine(_folder, "secret.key");
        File.WriteAllBytes(path, new byte[32]);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }

        return path;
    }
}
