namespace Roost.Controller.Store;

/// <summary>
/// The versioned schema, shared by SQLite and PostgreSQL. Each version is applied once, in order, in a transaction that
/// also records it in <c>schema_version</c>; a released version is never edited, only followed by a new one.
/// <c>{id}</c> stands for the dialect's auto-increment primary key. Times are Unix milliseconds (wall clock), driver
/// clock values milliseconds since the driver's epoch, resources in cores, MiB and Mbit/s.
/// </summary>
internal static class SqlSchema
{
    public static IReadOnlyList<(int Version, string[] Statements)> Migrations { get; } =
    [
        (1,
        [
            """
            CREATE TABLE hosts (
                id BIGINT PRIMARY KEY, name TEXT NOT NULL,
                cpu_cores DOUBLE PRECISION NOT NULL, memory_mib DOUBLE PRECISION NOT NULL, network_mbps DOUBLE PRECISION NOT NULL,
                maintenance BIGINT NOT NULL DEFAULT 0)
            """,
            """
            CREATE TABLE vms (
                id BIGINT PRIMARY KEY, name TEXT NOT NULL, host_id BIGINT NULL, requested_host_id BIGINT NULL,
                cpu_cores DOUBLE PRECISION NOT NULL, memory_mib DOUBLE PRECISION NOT NULL, network_mbps DOUBLE PRECISION NOT NULL,
                state TEXT NOT NULL, last_moved_at_ms BIGINT NULL)
            """,
            """
            CREATE TABLE samples (
                host_id BIGINT NOT NULL, at_ms BIGINT NOT NULL,
                cpu_cores DOUBLE PRECISION NOT NULL, memory_mib DOUBLE PRECISION NOT NULL, network_mbps DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (host_id, at_ms))
            """,
            """
            CREATE TABLE plans (
                id {id}, created_at_ms BIGINT NOT NULL, source TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL)
            """,
            """
            CREATE TABLE actions (
                id {id}, plan_id BIGINT NOT NULL REFERENCES plans (id), seq BIGINT NOT NULL, kind TEXT NOT NULL,
                vm_id BIGINT NOT NULL, from_host BIGINT NOT NULL, to_host BIGINT NOT NULL,
                cpu_cores DOUBLE PRECISION NOT NULL, memory_mib DOUBLE PRECISION NOT NULL, network_mbps DOUBLE PRECISION NOT NULL,
                reason TEXT NOT NULL, status TEXT NOT NULL, started_at_ms BIGINT NULL, finished_at_ms BIGINT NULL, outcome TEXT NULL)
            """,
            "CREATE TABLE events (id {id}, at_ms BIGINT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL)",
            "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ]),
        (2,
        [
            "CREATE INDEX samples_at ON samples (at_ms)",
            "CREATE INDEX actions_plan ON actions (plan_id, seq)",
            "CREATE INDEX plans_status ON plans (status)",
            "CREATE INDEX vms_next_id ON vms (id)",
        ]),

        // Before the store checked what it writes, a VM asked for with "NaN" or "Infinity" sizes could be stored on
        // PostgreSQL (SQLite turns NaN into NULL and refused it) and broke every response listing it. Such a VM never
        // ran (it fits nowhere), so it becomes a failed VM of size 0; such samples go. BETWEEN is false for NaN and
        // the infinities on PostgreSQL (NaN sorts above every number), and this is portable SQL.
        (3,
        [
            """
            UPDATE vms SET cpu_cores = 0, memory_mib = 0, network_mbps = 0, state = 'failed', host_id = NULL
            WHERE NOT (cpu_cores BETWEEN 0 AND 1e12 AND memory_mib BETWEEN 0 AND 1e12 AND network_mbps BETWEEN 0 AND 1e12)
            """,
            """
            UPDATE actions SET cpu_cores = 0, memory_mib = 0, network_mbps = 0
            WHERE NOT (cpu_cores BETWEEN 0 AND 1e12 AND memory_mib BETWEEN 0 AND 1e12 AND network_mbps BETWEEN 0 AND 1e12)
            """,
            "DELETE FROM samples WHERE NOT (cpu_cores BETWEEN 0 AND 1e12 AND memory_mib BETWEEN 0 AND 1e12 AND network_mbps BETWEEN 0 AND 1e12)",
        ]),

        // Virtual private clouds (issue 18): the intent every site's kernel network is derived from. Addresses are
        // dotted IPv4 text, subnets CIDR text; a rule's to_vpc 0 stands for the sites' own networks.
        (4,
        [
            """
            CREATE TABLE vpcs (
                id {id}, name TEXT NOT NULL UNIQUE, subnet TEXT NOT NULL, reserved_mbps BIGINT NOT NULL,
                enterprise_site BIGINT NULL, enterprise_address TEXT NULL)
            """,
            """
            CREATE TABLE vpc_members (
                vpc_id BIGINT NOT NULL REFERENCES vpcs (id), vm_id BIGINT NOT NULL, address TEXT NOT NULL,
                PRIMARY KEY (vpc_id, vm_id), UNIQUE (vpc_id, address))
            """,
            "CREATE TABLE vpc_rules (from_vpc BIGINT NOT NULL REFERENCES vpcs (id), to_vpc BIGINT NOT NULL, PRIMARY KEY (from_vpc, to_vpc))",
        ]),

        // A VM's guest image profile (issue 15: Memory Buddies' placement estimates a VM that has not run yet from its
        // image's fingerprint); NULL: the host's default image.
        (5,
        [
            "ALTER TABLE vms ADD COLUMN image TEXT NULL",
        ]),

        // Events name the entity they are about and their severity (issue 15); older events keep an empty entity.
        (6,
        [
            "ALTER TABLE events ADD COLUMN entity TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE events ADD COLUMN severity TEXT NOT NULL DEFAULT 'info'",
        ]),
    ];

    public static int Latest => Migrations[^1].Version;
}
