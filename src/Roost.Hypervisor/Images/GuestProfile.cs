namespace Roost.Hypervisor.Images;

/// <summary>
/// What goes into one kind of guest image: the Debian kernel meta-package whose dependency is the kernel to boot,
/// the Debian packages unpacked whole into the initramfs beside busybox (documentation, manuals and locales left
/// out), and a warm-up script the guest's init runs before it reports, so the profile's programs and data are in
/// guest RAM (tmpfs and page cache, plus the heap of a process that ran) when the host fingerprints it.
/// </summary>
/// <param name="Name">Profile name, as in <c>roost image build --profile NAME</c>.</param>
/// <param name="Summary">One line for help texts.</param>
/// <param name="KernelMetaPackage">A <c>linux-image-*</c> meta-package; its <c>Depends: linux-image-…</c> is unpacked.</param>
/// <param name="Packages">Extra packages, each with the libraries its programs load.</param>
/// <param name="Warm">Shell script (busybox sh) the guest runs once at boot, or empty.</param>
/// <param name="Modules">
/// Kernel modules beyond the virtio ones, in load order (no modprobe index in the initramfs): copied from the kernel
/// package to /lib/modules/NAME.ko; the profile's warm-up script (or a service appended to the image) loads them.
/// </param>
public sealed record GuestProfile(string Name, string Summary, string KernelMetaPackage, IReadOnlyList<string> Packages, string Warm, IReadOnlyList<string>? Modules = null)
{
    /// <summary>
    /// Whether the image also carries files only the caller can supply (<see cref="GuestPayload"/>): the
    /// <c>bft-executor</c> profile's .NET runtime and BFT executor, which this project may not know.
    /// </summary>
    public bool NeedsPayload { get; init; }

    private const string StandardKernel = "linux-image-amd64";

    /// <summary>The plain guests' profiles, <c>minimal</c> first (<see cref="GuestImageBuilder"/> also knows <see cref="BftExecutor"/>).</summary>
    public static IReadOnlyList<GuestProfile> All { get; } =
    [
        new("minimal", "Debian kernel + busybox", StandardKernel, [], ""),
        new(
            "python",
            "minimal + the Python 3.11 interpreter and its core library, run once at boot",
            StandardKernel,
            ["python3.11-minimal", "libpython3.11-minimal", "libc6", "zlib1g", "libexpat1"],
            """
            cat /usr/bin/python3.11 /lib/x86_64-linux-gnu/*.so* > /dev/null 2>&1
            find /usr/lib/python3.11 -type f -exec cat {} + > /dev/null 2>&1
            python3.11 -S -c "import os, re, codecs, collections, functools; print(len([i*i for i in range(200000)]))" > /dev/null 2>&1
            """),
        new(
            "database",
            "minimal + SQLite 3 with a 40,000-row database built at boot",
            StandardKernel,
            ["sqlite3", "libsqlite3-0", "libreadline8", "libtinfo6", "libc6", "zlib1g"],
            """
            cat /usr/bin/sqlite3 /usr/lib/x86_64-linux-gnu/libsqlite3.so* /lib/x86_64-linux-gnu/*.so* > /dev/null 2>&1
            mkdir -p /run/db
            sqlite3 /run/db/roost.sqlite "create table t(id integer primary key, v text); with recursive n(i) as (select 1 union all select i+1 from n where i < 40000) insert into t(v) select printf('row-%08d-%s', i, hex(i*7919)) from n; create index t_v on t(v); select count(*) from t;" > /dev/null 2>&1
            """),
        new("kernel-b", "the Debian cloud kernel flavour + busybox", "linux-image-cloud-amd64", [], ""),
    ];

    /// <summary>
    /// ZZ's sleeping VM (<c>roost bft cluster --sleepers vm</c>): minimal plus glibc, libstdc++, libgcc and OpenSSL, with
    /// the host's .NET runtime and the BFT replica as its payload; the agent starts the replica
    /// (<c>POST /api/vms/ID/bft-node</c>). Not among <see cref="All"/>, the plain guests the sharing experiments boot.
    /// </summary>
    public static GuestProfile BftExecutor { get; } = new(
        "bft-executor",
        "minimal + the host's .NET runtime and Roost's BFT execution replica (ZZ's sleeping VM), started by the agent",
        StandardKernel,
        ["libc6", "libstdc++6", "libgcc-s1", "libssl3"],
        "")
    {
        NeedsPayload = true,
    };

    /// <summary>The extra kernel modules, in load order (empty for most profiles).</summary>
    public IReadOnlyList<string> ExtraModules => Modules ?? [];

    /// <summary>
    /// The image of a protected guest's database service (<c>roost dr protect</c>, <c>roost dr failover</c>): the
    /// minimal image plus ext4 (the disk is a file system formatted on the host) and the SQLite 3 shell with its
    /// libraries. Not in <see cref="All"/>: it is a service image, not one of the memory-sharing profiles.
    /// </summary>
    public static GuestProfile DrDatabase { get; } = new(
        "dr-sqlite",
        "minimal + ext4 + the SQLite 3 shell, for the disaster-recovery database service",
        StandardKernel,
        ["sqlite3", "libsqlite3-0", "libreadline8", "libtinfo6", "libc6", "zlib1g"],
        "",
        // ext4 needs jbd2, mbcache and crc16; its metadata and journal checksums ask the crypto API for crc32c
        // (the generic one: TCG's default CPU has no SSE4.2 for crc32c-intel).
        ["crc16", "mbcache", "jbd2", "crc32c_generic", "ext4"]);

    /// <summary>The profile named <paramref name="name"/>, or null.</summary>
    public static GuestProfile? Find(string name) => All.FirstOrDefault(p => p.Name == name) ?? (name == BftExecutor.Name ? BftExecutor : null);
}
