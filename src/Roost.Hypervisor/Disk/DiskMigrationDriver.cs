using System.Text.Json;
using Roost.Core.Migration;
using Roost.Core.Migration.Disk;
using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Disk;

/// <summary>
/// Carries out a <see cref="DiskMirrorMigration"/>'s outputs: block commands on the source QEMU (the NBD target node at
/// <paramref name="targetSocket"/>, the relay's or the export's own socket; the mirror job), calls to the destination,
/// and the memory migration (<paramref name="moveMemory"/>: returns null when the memory moved and the source is
/// paused, else why not; cancelled when the machine stops it). The source QEMU's block-job events become inputs.
/// </summary>
public sealed class DiskMigrationDriver(QemuVm source, IDiskDestination destination, string targetSocket, Func<CancellationToken, Task<string?>> moveMemory, DiskMigrationSettings settings, TimeProvider time) : IDisposable
{
    public const string JobId = "roost-disk-mirror";
    public const string TargetNode = "roost-disk-target";

    private readonly DiskMirrorMigration _machine = new(settings);
    private readonly TaskCompletionSource<DiskOutcome> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _memory = new();

    /// <summary>Runs the migration to its end; the outcome says whether the destination's disk is whole.</summary>
    public async Task<DiskOutcome> RunAsync(CancellationToken cancellationToken)
    {
        // Events from before this migration (another attempt's late job events) are not about it.
        while (source.Qmp.Events.TryRead(out _))
        {
        }

        await using var loop = new MachineLoop<DiskInput>(time);
        using var stopEvents = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = ReadEventsAsync(loop, stopEvents.Token);
        await using var cancel = cancellationToken.Register(() => loop.Post(new DiskInput.CancelRequested()));
        loop.Start(new DiskInput.Begin(), input =>
        {
            Step(loop, input);
            return Task.CompletedTask;
        });
        var outcome = await _done.Task.ConfigureAwait(false);
        await stopEvents.CancelAsync().ConfigureAwait(false);
        await events.ConfigureAwait(false);
        await _memory.CancelAsync().ConfigureAwait(false);
        return outcome;
    }

    public void Dispose() => _memory.Dispose();

    private void Step(MachineLoop<DiskInput> loop, DiskInput input)
    {
        foreach (var output in _machine.Handle(input))
        {
            switch (output)
            {
                case DiskOutput.ExportAtDestination o:
                    Destination(loop, o.Request, destination.ExportAsync);
                    break;
                case DiskOutput.CloseExport o:
                    Destination(loop, o.Request, destination.CloseExportAsync);
                    break;
                case DiskOutput.DiscardAtDestination o:
                    Destination(loop, o.Request, destination.DiscardAsync);
                    break;
                case DiskOutput.AttachTarget o:
                    Qemu(loop, o.Request, ct => source.Qmp.BlockdevAddNbdUnixAsync(TargetNode, targetSocket, LocalDiskDestination.ExportName, ct));
                    break;
                case DiskOutput.StartMirror o:
                    Qemu(loop, o.Request, ct => source.Qmp.BlockdevMirrorAsync(JobId, QemuLaunch.DiskNode, TargetNode, writeBlocking: true, ct));
                    break;
                case DiskOutput.CompleteMirror o:
                    Qemu(loop, o.Request, ct => source.Qmp.BlockJobCancelAsync(JobId, force: false, ct));
                    break;
                case DiskOutput.CancelMirror o:
                    Qemu(loop, o.Request, ct => source.Qmp.BlockJobCancelAsync(JobId, force: true, ct));
                    break;
                case DiskOutput.DetachTarget o:
                    Qemu(loop, o.Request, ct => source.Qmp.BlockdevDelAsync(TargetNode, ct));
                    break;
                case DiskOutput.MoveMemory:
                    loop.Run<DiskInput>(
                        async ct =>
                        {
                            using var both = CancellationTokenSource.CreateLinkedTokenSource(ct, _memory.Token);
                            return await moveMemory(both.Token).ConfigureAwait(false) is { } failure
                                ? new DiskInput.MemoryFailed(failure)
                                : new DiskInput.MemoryMoved();
                        },
                        e => new DiskInput.MemoryFailed(e.Message),
                        answer => answer);
                    break;
                case DiskOutput.StopMemory:
                    _memory.Cancel();
                    break;
                case DiskOutput.ArmTimer arm:
                    loop.Arm(arm.Kind, arm.After, new DiskInput.TimerFired(arm.Kind, arm.Generation));
                    break;
                case DiskOutput.Finished finished:
                    loop.StopTimers();
                    loop.Close();
                    _done.TrySetResult(finished.Outcome);
                    break;
                default:
                    break;
            }
        }
    }

    private static void Qemu(MachineLoop<DiskInput> loop, RequestId request, Func<CancellationToken, Task> command) =>
        Call(loop, command, failure => new DiskInput.QemuAnswered(request, failure));

    private static void Destination(MachineLoop<DiskInput> loop, RequestId request, Func<CancellationToken, Task> call) =>
        Call(loop, call, failure => new DiskInput.DestinationAnswered(request, failure));

    /// <summary>Runs <paramref name="call"/> off the machine; its end (null, or the exception's one line) comes back as <paramref name="answer"/>.</summary>
    private static void Call(MachineLoop<DiskInput> loop, Func<CancellationToken, Task> call, Func<string?, DiskInput> answer) =>
        loop.Run<DiskInput>(
            async ct =>
            {
                await call(ct).ConfigureAwait(false);
                return answer(null);
            },
            e => answer(e.Message),
            input => input);

    /// <summary>The mirror job's events on the source's QMP, as inputs (other events are left alone).</summary>
    private async Task ReadEventsAsync(MachineLoop<DiskInput> loop, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in source.Qmp.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (e.Data.ValueKind != JsonValueKind.Object || !e.Data.TryGetProperty("device", out var device) || device.ValueKind != JsonValueKind.String || device.GetString() != JobId)
                {
                    continue;
                }

                var error = e.Data.TryGetProperty("error", out var text) && text.ValueKind == JsonValueKind.String ? text.GetString() : null;
                DiskInput? input = e.Name switch
                {
                    "BLOCK_JOB_READY" => new DiskInput.JobReady(),
                    "BLOCK_JOB_COMPLETED" => new DiskInput.JobEnded(error, Cancelled: false),
                    "BLOCK_JOB_CANCELLED" => new DiskInput.JobEnded(null, Cancelled: true),
                    _ => null,
                };
                if (input is not null)
                {
                    loop.Post(input);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The migration finished.
        }
    }
}
