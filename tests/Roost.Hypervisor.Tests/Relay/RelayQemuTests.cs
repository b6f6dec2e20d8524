using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Roost.Core.Migration.Stream;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Relay;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Relay;

/// <summary>
/// The relay's claim on a real QEMU (docs/experiments/cloudnet.md; the WAN figures are a documented command, this is
/// its one fast test): a guest whose verifier keeps rewriting pages migrates through both relay ends with the smart
/// stop, arrives with every page right, and the relay put fewer bytes on the link than QEMU's stream held.
/// </summary>
[Collection(QemuTests.Name)]
public sealed class RelayQemuTests(QemuFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan _guestTimeout = TimeSpan.FromSeconds(90);

    [QemuFact]
    public async Task WritingGuest_ThroughTheRelays_ArrivesWhole_InFewerBytesThanQemuSent()
    {
        var directory = Path.Combine(Path.GetTempPath(), "roost-tests", $"relay-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var spec = new GuestSpec("relay-vm", 1, 256);
        var incomingPort = FreeLoopbackPort();
        var secret = RandomNumberGenerator.GetBytes(RelaySecrets.SecretBytes);
        var sockets = Directory.CreateTempSubdirectory("roost-relay-test-");
        try
        {
            await using var source = await QemuVm.StartAsync(Launch(spec, directory, "src", null), TimeProvider.System, CancellationToken.None);
            await source.WaitUntilReadyAsync(_guestTimeout, CancellationToken.None);
            Assert.NotNull(await source.Reporter.RequestAsync("memtest start 32 1500", _guestTimeout, CancellationToken.None));
            await using var destination = await QemuVm.StartAsync(Launch(spec, directory, "dst", $"tcp:127.0.0.1:{incomingPort}"), TimeProvider.System, CancellationToken.None);

            await using var atDestination = DestinationRelay.Start(IPAddress.Loopback, secret, [new IPEndPoint(IPAddress.Loopback, incomingPort)], [], new RelayTimeouts(), TimeProvider.System);
            await using var atSource = SourceRelay.Start(new IPEndPoint(IPAddress.Loopback, atDestination.Port), secret, new RelayCodecOptions(), 1, new RelayTimeouts(), TimeProvider.System, sockets.FullName);
            await source.Qmp.MigrateAsync(atSource.QemuUris[0], CancellationToken.None);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var rule = await SmartStopDriver.RunAsync(source.Qmp, new SmartStopOptions(), TimeSpan.FromMilliseconds(100), TimeProvider.System, deadline.Token, () => atSource.SentToPeer);
            var sent = await atSource.Completion.WaitAsync(deadline.Token);
            var received = await atDestination.Completion.WaitAsync(deadline.Token);

            output.WriteLine($"QEMU: {rule.FinalStatus} after {rule.Rounds.Count} passes (smart stop: {rule.Reason ?? "not needed"})");
            output.WriteLine($"relay: {sent.Traffic}");
            Assert.Equal("completed", rule.FinalStatus);
            Assert.True(sent.Completed, sent.Failure);
            Assert.True(received.Completed, received.Failure);

            await destination.Qmp.ContinueAsync(CancellationToken.None);
            var ack = await destination.Reporter.RequestAsync("memtest check", _guestTimeout, CancellationToken.None);
            var check = ack is { } line ? MemtestReport.TryParse(line) : null;
            output.WriteLine($"verifier at the destination: {check}");
            Assert.NotNull(check);
            Assert.Equal(8192, check.Checked);
            Assert.Equal(0, check.Wrong);
            Assert.True(sent.Traffic.WireBytes < sent.Traffic.StreamBytes, $"{sent.Traffic.WireBytes} bytes on the link for a {sent.Traffic.StreamBytes}-byte stream");
            Assert.Equal(sent.Traffic.WireBytes, received.Traffic.WireBytes);
        }
        finally
        {
            File.Delete(MemoryPath(directory, "src"));
            File.Delete(MemoryPath(directory, "dst"));
            Directory.Delete(directory, recursive: true);
            sockets.Delete(recursive: true);
        }
    }

    private QemuLaunch Launch(GuestSpec spec, string directory, string role, string? incoming) =>
        new(QemuEnvironment.Binary, fixture.Image, spec, fixture.Accelerator, Path.Combine(directory, role), MemoryPath(directory, role), incoming);

    private static string MemoryPath(string directory, string role) => $"/dev/shm/roost-test-{Path.GetFileName(directory)}-{role}";

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
