using Roost.Hypervisor.Images;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// Everything needed to start one QEMU process. <see cref="MemoryPath"/> is the guest RAM file (in /dev/shm, shared
/// so the host can read pages); <see cref="RunDirectory"/> holds its QMP and reporter sockets, pidfile and console
/// log. With <see cref="IncomingUri"/> set QEMU waits for a live migration instead of booting, and leaves the
/// migrated guest paused. A VM with a NIC (<see cref="GuestSpec.Nic"/>) needs <see cref="TapName"/> (the host-side tap
/// device QEMU creates, host-local like the memory file) and <see cref="Bridge"/> (where the tap is attached: the
/// agent's bridge for the NIC's network).
/// </summary>
public sealed record QemuLaunch(
    string QemuBinary,
    GuestImage Image,
    GuestSpec Spec,
    Accelerator Accelerator,
    string RunDirectory,
    string MemoryPath,
    string? IncomingUri = null,
    string? TapName = null,
    string? Bridge = null)
{
    /// <summary>
    /// Guest RAM as private anonymous memory marked mergeable (<c>memory-backend-ram,merge=on</c>) instead of the
    /// shared file <see cref="MemoryPath"/> (which is then not made): Linux KSM merges only such memory. The agent then
    /// reads guest RAM through <c>/proc/PID/mem</c> (<see cref="GuestRamWindow"/>). Host-local like the memory file:
    /// both sides of a migration may differ.
    /// </summary>
    public bool MergeableMemory { get; init; }

    /// <summary>
    /// The disk served over NBD on this Unix socket instead of the VM's own raw file (the spec's disk size is then 0):
    /// Roost's replicating disk server (<c>roost dr protect</c>) is in the guest's write path.
    /// </summary>
    public string? NbdDiskSocket { get; init; }

    /// <summary>An existing raw image as the disk instead of a new file (the spec's disk size is then 0): a failover boots the replica.</summary>
    public string? DiskImage { get; init; }

    /// <summary>
    /// The NIC's frames over Unix datagram sockets (QEMU's <c>-netdev dgram</c>) instead of a tap: QEMU binds
    /// <c>Qemu</c> and sends every frame to <c>Forwarder</c> (Roost's egress buffer, <c>roost dr protect</c>), which
    /// sends incoming frames back. <see cref="TapName"/> and <see cref="Bridge"/> are then not used.
    /// </summary>
    public (string Qemu, string Forwarder)? NicDatagramSockets { get; init; }

    public string QmpSocket => Path.Combine(RunDirectory, $"{Spec.Id}.qmp");

    public string ReporterSocket => Path.Combine(RunDirectory, $"{Spec.Id}.rep");

    public string ConsoleLog => Path.Combine(RunDirectory, $"{Spec.Id}.console");

    public string PidFile => Path.Combine(RunDirectory, $"{Spec.Id}.pid");

    /// <summary>The guest's virtual disk (raw, sparse, owner-only) when <see cref="GuestSpec.DiskMiB"/> is not 0.</summary>
    public string DiskPath => Path.Combine(RunDirectory, $"{Spec.Id}.disk");

    /// <summary>The disk's block node in QEMU (<c>-blockdev</c>), the name QMP's block commands use.</summary>
    public const string DiskNode = "disk0";

    /// <summary>Where the agent records what it knows of this VM, so a restarted agent can take it over.</summary>
    public string RecordFile => Path.Combine(RunDirectory, $"{Spec.Id}.vm.json");

    /// <summary>Every file this QEMU's life makes, removed before it starts and when it ends (the disk only if it has one).</summary>
    public IReadOnlyList<string> OwnedFiles() =>
        Spec.DiskMiB > 0
            ? [QmpSocket, ReporterSocket, PidFile, ConsoleLog, MemoryPath, RecordFile, DiskPath]
            : [QmpSocket, ReporterSocket, PidFile, ConsoleLog, MemoryPath, RecordFile];

    /// <summary>
    /// The command line. The device set must be identical on both sides of a migration, so it depends only on the
    /// spec and image; only the memory file and sockets (host-local) and <c>-incoming</c> differ.
    /// </summary>
    public IReadOnlyList<string> Arguments()
    {
        var args = new List<string>
        {
            // debug-threads names each vCPU thread "CPU n/TCG" (or /KVM), so the host can tell guest CPU from emulation.
            "-name", $"roost-{Spec.Id},debug-threads=on",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-accel", Accelerator == Accelerator.Kvm ? "kvm" : "tcg,tb-size=256",
            "-machine", "pc,memory-backend=ram",
            "-object", MergeableMemory
                ? $"memory-backend-ram,id={GuestRamWindow.RamBlock},size={Spec.MemoryMiB}M,merge=on"
                : $"memory-backend-file,id={GuestRamWindow.RamBlock},size={Spec.MemoryMiB}M,mem-path={MemoryPath},share=on",
            "-m", $"{Spec.MemoryMiB}M",
            "-smp", Spec.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-kernel", Image.KernelPath,
            "-initrd", Image.InitrdPath,
            "-append", Spec.Nic is { } nic ? $"console=ttyS0 quiet panic=-1 no_timer_check {nic.KernelArguments()}" : "console=ttyS0 quiet panic=-1 no_timer_check",
            "-chardev", $"socket,id=qmp,path={QmpSocket},server=on,wait=off",
            "-mon", "chardev=qmp,mode=control",
            "-chardev", $"socket,id=reporter,path={ReporterSocket},server=on,wait=off",
            "-serial", $"file:{ConsoleLog}",
            "-serial", "chardev:reporter",
            "-pidfile", PidFile,
        };
        if (Accelerator == Accelerator.Kvm)
        {
            args.AddRange(["-cpu", "host"]);
        }

        if (Spec.DiskMiB > 0)
        {
            // JSON, not key=value: a path with a comma cannot split the option. The guest sees /dev/vda.
            var blockdev = new System.Text.Json.Nodes.JsonObject
            {
                ["driver"] = "raw",
                ["node-name"] = DiskNode,
                ["file"] = new System.Text.Json.Nodes.JsonObject { ["driver"] = "file", ["filename"] = DiskPath },
            };
            args.AddRange(["-blockdev", blockdev.ToJsonString(), "-device", $"virtio-blk-pci,drive={DiskNode},id={DiskNode}-device"]);
        }

        if (Spec.DiskMiB == 0 && (NbdDiskSocket ?? DiskImage) is { } source)
        {
            var file = NbdDiskSocket is not null
                ? new System.Text.Json.Nodes.JsonObject
                {
                    ["driver"] = "nbd",
                    ["server"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "unix", ["path"] = source },
                }
                : new System.Text.Json.Nodes.JsonObject { ["driver"] = "file", ["filename"] = source };
            var blockdev = new System.Text.Json.Nodes.JsonObject { ["driver"] = "raw", ["node-name"] = DiskNode, ["file"] = file };
            args.AddRange(["-blockdev", blockdev.ToJsonString(), "-device", $"virtio-blk-pci,drive={DiskNode},id={DiskNode}-device"]);
        }

        if (Spec.Nic is not null && NicDatagramSockets is { } sockets)
        {
            var netdev = new System.Text.Json.Nodes.JsonObject
            {
                ["type"] = "dgram",
                ["id"] = "net0",
                ["local"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "unix", ["path"] = sockets.Qemu },
                ["remote"] = new System.Text.Json.Nodes.JsonObject { ["type"] = "unix", ["path"] = sockets.Forwarder },
            };
            args.AddRange(["-netdev", netdev.ToJsonString(), "-device", $"virtio-net-pci,netdev=net0,mac={GuestNic.MacFor(Spec.Id)},id=net0-device"]);
        }
        else if (Spec.Nic is not null)
        {
            // QEMU creates the tap (not persistent: it vanishes with the process, however QEMU ends); the agent then
            // attaches it to the network's bridge. The guest sees a virtio NIC with the VM's own MAC on both sides of
            // a migration; after an incoming migration QEMU announces it (gratuitous RARP) so switches learn its place.
            if (TapName is null || Bridge is null)
            {
                throw new InvalidOperationException($"VM '{Spec.Id}' has a NIC but its launch names no tap device or bridge");
            }

            args.AddRange([
                "-netdev", $"tap,id=net0,ifname={TapName},script=no,downscript=no",
                "-device", $"virtio-net-pci,netdev=net0,mac={GuestNic.MacFor(Spec.Id)},id=net0-device",
            ]);
        }

        if (IncomingUri is not null)
        {
            // -S: the migrated guest stays paused until the destination agent is told the hand-over is agreed,
            // so a VM never runs in two places at once.
            args.AddRange(["-S", "-incoming", IncomingUri]);
        }

        return args;
    }
}
