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
/// stop, arrives with every page right, and the relay put fewer bytes on the link than QEMU's stream held; and the
/// fault experiment's one test (a forged reference mid-stream: the guest stays whole on the source).
/// </summary>
[Collection(QemuNetworkTests.Name)]
public sealed class RelayQemuTests(QemuFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan _guestTimeout = TimeSpan.FromSeconds(90);
    private static readonly byte[] _secret = RandomNumberGenerator.GetBytes(RelaySecrets.SecretBytes);

    [QemuFact]
    public async Task WritingGuest_ThroughTheRelays_ArrivesWhole_InFewerBytesThanQemuSent()
    {
        await WithGuestsAsync(async (source, destination, atDestination, sockets, ramFiles) =>
        {
            await using var atSource = SourceRelay.Start(new IPEndPoint(IPAddress.Loopback, atDestination.Port), _secret, new RelayCodecOptions(), 1, new RelayTimeouts(), TimeProvider.System, sockets);
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

            // Both ends are paused now (the source after completing, the incoming QEMU started with -S): the guest's
            // RAM must be the same at both, byte for byte, before the destination runs it.
            AssertSameBytes(ramFiles.Source, ramFiles.Destination);
            await destination.Qmp.ContinueAsync(CancellationToken.None);
            await AssertVerifierWholeAsync(destination);
            Assert.True(sent.Traffic.WireBytes < sent.Traffic.StreamBytes, $"{sent.Traffic.WireBytes} bytes on the link for a {sent.Traffic.StreamBytes}-byte stream");
            Assert.Equal(sent.Traffic.WireBytes, received.Traffic.WireBytes);
        });
    }

    /// <summary>
    /// The fault experiment's claim (docs/experiments/cloudnet.md, "Faults"), its forged-digest case: a frame replaced
    /// mid-stream by a well-formed one referring to a page the destination does not hold ends the migration at both
    /// ends; the guest keeps running on the source with every page right, and the incoming QEMU exits.
    /// </summary>
    [QemuFact]
    public async Task ForgedReferenceMidStream_GuestRunsOnTheSourceWhole_IncomingQemuExits()
    {
        await WithGuestsAsync(async (source, destination, atDestination, sockets, ramFiles) =>
        {
            await using var tamper = RelayTamper.Start(IPAddress.Loopback, new IPEndPoint(IPAddress.Loopback, atDestination.Port), _secret, "forge", 4 << 20);
            await using var atSource = SourceRelay.Start(new IPEndPoint(IPAddress.Loopback, tamper.Port), _secret, new RelayCodecOptions(), 1, new RelayTimeouts(), TimeProvider.System, sockets);
            await source.Qmp.MigrateAsync(atSource.QemuUris[0], CancellationToken.None);
            using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            var rule = await SmartStopDriver.RunAsync(source.Qmp, new SmartStopOptions(), TimeSpan.FromMilliseconds(100), TimeProvider.System, deadline.Token, () => atSource.SentToPeer);
            var sent = await atSource.Completion.WaitAsync(deadline.Token);
            var received = await atDestination.Completion.WaitAsync(deadline.Token);
            var spoiled = await tamper.Completion.WaitAsync(deadline.Token);
            await destination.Exited.WaitAsync(deadline.Token);
            var status = await source.Qmp.ExecuteAsync("query-status", null, CancellationToken.None);

            output.WriteLine($"{spoiled}; QEMU: {rule.FinalStatus}; source relay: {sent.Failure}; destination relay: {received.Failure}");
            Assert.NotNull(spoiled);
            Assert.Equal("failed", rule.FinalStatus);
            Assert.False(sent.Completed);
            Assert.False(received.Completed);
            Assert.Contains("does not hold", received.Failure, StringComparison.Ordinal);
            Assert.Equal("running", status.GetProperty("status").GetString());
            await AssertVerifierWholeAsync(source);
        });
    }

    private delegate Task Scenario(QemuVm source, QemuVm destination, DestinationRelay atDestination, string sockets, (string Source, string Destination) ramFiles);

    /// <summary>A 256 MiB guest writing 1,500 pages/s, an incoming QEMU and the destination's relay in front of it; cleaned up after.</summary>
    private async Task WithGuestsAsync(Scenario scenario)
    {
        var directory = Path.Combine(Path.GetTempPath(), "roost-tests", $"relay-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var spec = new GuestSpec("relay-vm", 1, 256);
        var incomingPort = FreeLoopbackPort();
        var sockets = Directory.CreateTempSubdirectory("roost-relay-test-");
        try
        {
            await using var source = await QemuVm.StartAsync(Launch(spec, directory, "src", null), TimeProvider.System, CancellationToken.None);
            await source.WaitUntilReadyAsync(_guestTimeout, CancellationToken.None);
            Assert.NotNull(await source.Reporter.RequestAsync("memtest start 32 1500", _guestTimeout, CancellationToken.None));
            await using var destination = await QemuVm.StartAsync(Launch(spec, directory, "dst", $"tcp:127.0.0.1:{incomingPort}"), TimeProvider.System, CancellationToken.None);
            await using var atDestination = DestinationRelay.Start(IPAddress.Loopback, _secret, [new IPEndPoint(IPAddress.Loopback, incomingPort)], [], new RelayTimeouts(), TimeProvider.System);
            await scenario(source, destination, atDestination, sockets.FullName, (MemoryPath(directory, "src"), MemoryPath(directory, "dst")));
        }
        finally
        {
            File.Delete(MemoryPath(directory, "src"));
            File.Delete(MemoryPath(directory, "dst"));
            Directory.Delete(directory, recursive: true);
            sockets.Delete(recursive: true);
        }
    }

    /// <summary>The two files hold the same bytes; a difference names the first differing page.</summary>
    private static void AssertSameBytes(string sourcePath, string destinationPath)
    {
        using var source = File.OpenRead(sourcePath);
        using var destination = File.OpenRead(destinationPath);
        Assert.Equal(source.Length, destination.Length);
        var a = new byte[1 << 20];
        var b = new byte[1 << 20];
        for (long offset = 0; offset < source.Length; offset += a.Length)
        {
            var read = source.ReadAtLeast(a, a.Length, throwOnEndOfStream: false);
            Assert.Equal(read, destination.ReadAtLeast(b, b.Length, throwOnEndOfStream: false));
            var differs = a.AsSpan(0, read).CommonPrefixLength(b.AsSpan(0, read));
            Assert.True(differs == read, $"guest RAM differs at page {(offset + differs) / 4096} after the migration");
        }
    }

    private async Task AssertVerifierWholeAsync(QemuVm vm)
    {
        var ack = await vm.Reporter.RequestAsync("memtest check", _guestTimeout, CancellationToken.None);
        var check = ack is { } line ? MemtestReport.TryParse(line) : null;
        output.WriteLine($"verifier at {vm.Launch.Spec.Id}: {check}");
        Assert.NotNull(check);
        Assert.Equal(8192, check.Checked);
        Assert.Equal(0, check.Wrong);
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
