using System.Globalization;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// The guest's memory verifier (<see cref="MemtestReport"/>), driven through the reporter: start it, check every page,
/// stop it. It is how the tests and experiments tell that a migration lost no guest write.
/// </summary>
public sealed partial class HostAgent
{
    /// <summary>The highest write rate the verifier accepts, in pages per second.</summary>
    public const int MaxMemtestPagesPerSecond = 1_000_000;

    // Starting maps and writes every page, a check reads every page: under TCG a large region takes seconds.
    private static readonly TimeSpan _memtestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Starts (or restarts) the verifier over <paramref name="mib"/> MiB of guest memory, at most half the VM's RAM (the
    /// guest's kernel and initramfs need the rest), rewriting <paramref name="pagesPerSecond"/> pages a second.
    /// </summary>
    public async Task<AgentOutcome<MemtestReport>> StartMemtestAsync(string id, int mib, int pagesPerSecond, CancellationToken cancellationToken)
    {
        if (FindRunning(id, out var problem) is not { } running)
        {
            return problem;
        }

        if (mib < 1 || mib > running.Spec.MemoryMiB / 2)
        {
            return AgentProblem.BadRequest($"memtest mib {mib} for VM '{id}' must be from 1 to {running.Spec.MemoryMiB / 2} (half its {running.Spec.MemoryMiB} MiB)");
        }

        if (pagesPerSecond is < 1 or > MaxMemtestPagesPerSecond)
        {
            return AgentProblem.BadRequest($"memtest pagesPerSecond {pagesPerSecond} must be from 1 to {MaxMemtestPagesPerSecond}");
        }

        return await MemtestCommandAsync(id, running.Vm, string.Create(CultureInfo.InvariantCulture, $"memtest start {mib} {pagesPerSecond}"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Has the verifier check every page now (its writes pause meanwhile) and returns its counts.</summary>
    public async Task<AgentOutcome<MemtestReport>> CheckMemtestAsync(string id, CancellationToken cancellationToken) =>
        FindRunning(id, out var problem) is { } running
            ? await MemtestCommandAsync(id, running.Vm, "memtest check", cancellationToken).ConfigureAwait(false)
            : problem;

    /// <summary>Stops the verifier, if it runs.</summary>
    public async Task<AgentOutcome<VmInfo>> StopMemtestAsync(string id, CancellationToken cancellationToken)
    {
        if (FindRunning(id, out var problem) is not { } running)
        {
            return problem;
        }

        return (await running.Vm.RequestGuestAsync("memtest stop", _memtestTimeout, cancellationToken).ConfigureAwait(false)).Failure is { } failure
            ? AgentProblem.HypervisorFailed(failure)
            : new AgentOutcome<VmInfo>.Ok(running.Managed.ToInfo());
    }

    private static async Task<AgentOutcome<MemtestReport>> MemtestCommandAsync(string id, QemuVm vm, string command, CancellationToken cancellationToken)
    {
        var (ack, failure) = await vm.RequestGuestAsync(command, _memtestTimeout, cancellationToken).ConfigureAwait(false);
        if (ack is not { } line)
        {
            return AgentProblem.HypervisorFailed(failure ?? $"VM '{id}': the guest did not acknowledge '{command}'");
        }

        if (MemtestReport.TryParse(line) is { } report)
        {
            return new AgentOutcome<MemtestReport>.Ok(report);
        }

        return command == "memtest check"
            ? AgentProblem.Conflict($"VM '{id}': the guest's memory verifier does not run (start it with POST /api/vms/{id}/memtest)")
            : AgentProblem.HypervisorFailed($"VM '{id}': the guest refused '{command}' or answered with a malformed report");
    }

    private (ManagedVm Managed, GuestSpec Spec, QemuVm Vm)? FindRunning(string id, out AgentProblem problem)
    {
        problem = AgentProblem.UnknownVm(Name, id);
        if (Find(id, out var notFound) is not { Vm: { } vm } managed)
        {
            problem = notFound ?? AgentProblem.Conflict($"VM '{id}' on agent '{Name}' has no QEMU yet");
            return null;
        }

        if (managed.State != VmState.Running)
        {
            problem = AgentProblem.Conflict($"VM '{id}' on agent '{Name}' is {managed.State}, not Running");
            return null;
        }

        return (managed, managed.Spec, vm);
    }
}
