using System.Net;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;
using Roost.Hypervisor.Recovery;
using Xunit.Abstractions;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// <c>roost dr serve --failover-on-loss</c>: a primary that falls silent is declared lost and the site fails its VM
/// over by itself (trigger "loss"): fenced at the applied point, the replica exported owner-only. The boot is made to
/// fail here (the QEMU binary is <c>false</c>), so the test is quick and also shows a failed failover: state
/// <c>failed</c> with the reason, the replica kept. <see cref="DrSiteTests"/> boots a real guest.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LossFailoverTests(ITestOutputHelper output) : IDisposable
{
    private static readonly byte[] _key = [.. Enumerable.Range(0, 32).Select(i => (byte)((i * 5) + 9))];
    private static readonly VmId _vm = new(3);
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-drloss-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [QemuFact]
    public async Task SilentPrimary_IsFailedOverByItself_AtTheAppliedPoint_AndAFailedBootIsShown()
    {
        await QemuFixture.ImageAsync(GuestProfile.DrDatabase);
        await using var server = ReplicationServer.Start(
            new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "journal"), [new ProtectedDisk(_vm, 1 << 20)],
            new ReplicationManagerOptions { LossAfter = TimeSpan.FromSeconds(1) }, TimeProvider.System, output.WriteLine);
        var options = new DrSiteOptions(Path.Combine(_folder, "site"), "rdl0", new Dictionary<int, GuestNic> { [3] = new GuestNic("dr", "10.216.0.5/24") }, _key)
        {
            Qemu = "/bin/false",
            FailoverOnLoss = true,
        };
        await using var site = await DrSite.StartAsync(server, options, TimeProvider.System, output.WriteLine, CancellationToken.None);
        await using (var primary = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Async }, [_vm], TimeProvider.System, output.WriteLine))
        {
            for (var i = 0; i < 3; i++)
            {
                await primary.WriteAsync(_vm, i * 4096L, new byte[] { (byte)(i + 1) }).WaitAsync(TimeSpan.FromSeconds(30));
            }

            var limit = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (server.Status.Vms[0].Applied < 3)
            {
                Assert.True(DateTime.UtcNow < limit, $"3 writes not applied in 30 s: {server.Status.Vms[0]}");
                await Task.Delay(50);
            }
        }

        // The primary is gone: lost after 1 s of silence, then failed over by the site itself.
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        DrVmStatus vm;
        while ((vm = site.Status.Vms[0]).State != DrVmStates.Failed)
        {
            Assert.True(DateTime.UtcNow < deadline, $"no failover on loss within 1 min: {vm}");
            Assert.NotEqual(DrVmStates.FailedOver, vm.State);
            await Task.Delay(50);
        }

        var failover = Assert.IsType<DrFailoverStatus>(vm.Failover);
        output.WriteLine($"{vm}");
        Assert.Equal(("loss", 3L, true), (failover.Trigger, failover.BootedFromWrite!.Value, vm.Lost));
        Assert.NotNull(failover.Problem);
        Assert.Null(failover.ServingAt);
        var replica = Path.Combine(_folder, "site", "vm-3", "replica.img");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(replica));
        var bytes = await File.ReadAllBytesAsync(replica);
        Assert.Equal((1 << 20, (byte)1, (byte)2, (byte)3), (bytes.Length, bytes[0], bytes[4096], bytes[8192]));
    }
}
