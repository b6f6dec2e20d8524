using System.Net;
using Microsoft.Extensions.Time.Testing;
using Roost.Core.Model;
using Roost.Core.Recovery;
using Roost.Hypervisor.Recovery;

namespace Roost.Hypervisor.Tests.Recovery;

/// <summary>
/// Loss detection at the cloud site over real TCP on loopback, with a clock the test steps: the primary goes away,
/// silence past --loss-after declares it lost (one line, with the write a failover boots from and the last contact),
/// and a primary heard from again clears it. The status shows each step.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LossDetectionServerTests : IDisposable
{
    private static readonly byte[] _key = [.. Enumerable.Range(0, 32).Select(i => (byte)(i * 5))];
    private static readonly TimeSpan _wait = TimeSpan.FromSeconds(30);
    private readonly string _folder = Directory.CreateTempSubdirectory("roost-dr-loss-").FullName;
    private readonly List<string> _log = [];
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _back = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Log(string line)
    {
        lock (_log)
        {
            _log.Add(line);
        }

        if (line.Contains(" lost:", StringComparison.Ordinal))
        {
            _lost.TrySetResult(line);
        }
        else if (line.Contains("heard from again", StringComparison.Ordinal))
        {
            _back.TrySetResult(line);
        }
    }

    [Fact]
    public async Task SilentPrimary_IsDeclaredLostOnce_AndBackWhenHeardFrom()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var vm = new VmId(1);
        await using var server = ReplicationServer.Start(
            new IPEndPoint(IPAddress.Loopback, 0), _key, Path.Combine(_folder, "site"), [new ProtectedDisk(vm, 1 << 20), new ProtectedDisk(new VmId(2), 1 << 20)],
            new ReplicationManagerOptions { LossAfter = TimeSpan.FromSeconds(5), RetainCheckpoints = 3 }, time, Log);

        await using (var primary = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Sync }, [vm], time, _ => { }))
        {
            for (var i = 0; i < 3; i++)
            {
                await primary.WriteAsync(vm, i * 512L, new byte[512]).WaitAsync(_wait);
            }

            var status = server.Status.Vms[0];
            Assert.Equal((3L, true, false, (DateTimeOffset?)start), (status.Applied, status.Connected, status.Lost, status.LastContact));
            Assert.False(server.Status.Vms[1].Connected);
        }

        // The primary is gone; the clock moves past --loss-after and the liveness check fires.
        time.Advance(TimeSpan.FromSeconds(6));
        var line = await _lost.Task.WaitAsync(_wait);
        Assert.Equal("roost dr serve: primary of vm-1 lost: silent for 6.0 s since its last contact at 2026-01-01T00:00:00.000Z; applied through write 3 of 3 issued by then (a failover now boots from write 3)", line);
        Assert.True(server.Status.Vms[0].Lost);
        Assert.False(server.Status.Vms[1].Lost);

        time.Advance(TimeSpan.FromSeconds(6));
        await using (var again = new ReplicationClient(server.LocalEndPoint, _key, new ReplicatorOptions { Mode = ReplicationMode.Sync }, [vm], time, _ => { }))
        {
            await _back.Task.WaitAsync(_wait);
        }

        lock (_log)
        {
            Assert.Single(_log, l => l.Contains(" lost:", StringComparison.Ordinal));
        }
    }
}
