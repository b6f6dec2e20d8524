using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Qemu;

/// <summary>
/// The boot wait counts only time QEMU could run (<see cref="QemuVm.WaitUntilReadyAsync"/>): a loaded machine slows a
/// boot without failing it, and a guest that never speaks still fails, with the figures.
/// </summary>
[Collection(QemuTests.Name)]
public sealed class BootWaitTests(QemuFixture fixture)
{
    [QemuFact]
    public async Task AGuestThatNeverSpeaks_FailsWithinItsLimit_WithTheFigures()
    {
        var run = Path.Combine(Path.GetTempPath(), "roost-tests", $"t{Environment.ProcessId}-hang");
        var launch = new QemuLaunch(QemuEnvironment.Binary, fixture.Image, new GuestSpec("vm-1", 1, 64), fixture.Accelerator, run, $"/dev/shm/roost.t{Environment.ProcessId}-hang.vm-1", IncomingUri: "defer");
        var timeout = TimeSpan.FromSeconds(2);
        var vm = await QemuVm.StartAsync(launch, TimeProvider.System, CancellationToken.None);
        try
        {
            var started = TimeProvider.System.GetTimestamp();

            // Waiting for a migration that never comes (-S -incoming defer), the guest never runs: a hang, idle.
            var error = await Assert.ThrowsAsync<QemuException>(() => vm.WaitUntilReadyAsync(timeout, CancellationToken.None));

            var elapsed = TimeProvider.System.GetElapsedTime(started);
            Assert.Matches(@"^VM 'vm-1': the guest reporter did not speak within 2 s \([0-9.]+ s passed, [0-9.]+ s of them waiting for a CPU; QEMU used [0-9.]+ s of CPU\)$", error.Message);
            Assert.InRange(elapsed, timeout, (timeout * QemuVm.BootWallLimit) + TimeSpan.FromSeconds(5));
        }
        finally
        {
            await vm.DisposeAsync();
            Directory.Delete(run, recursive: true);
        }
    }

    [Fact]
    public void RunQueueWait_OfALiveProcess_IsKnown_AndOfNoProcess_IsNull()
    {
        Assert.NotNull(ProcessStats.ReadRunQueueWait(Environment.ProcessId));
        Assert.Null(ProcessStats.ReadRunQueueWait(int.MaxValue));
    }
}
