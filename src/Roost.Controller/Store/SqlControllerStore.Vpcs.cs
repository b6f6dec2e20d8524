using System.Data.Common;
using Roost.Core.Model;
using Roost.Core.Network;

namespace Roost.Controller.Store;

/// <summary>Virtual private clouds: VPCs, members, rules.</summary>
internal abstract partial class SqlControllerStore
{
    public async Task<NetworkIntent> GetNetworkAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var vpcs = await QueryAsync(
            connection,
            null,
            "SELECT id, name, subnet, reserved_mbps, enterprise_site, enterprise_address FROM vpcs ORDER BY id",
            ReadVpc,
            cancellationToken).ConfigureAwait(false);
        var members = await QueryAsync(
            connection,
            null,
            "SELECT vpc_id, vm_id, address FROM vpc_members ORDER BY vpc_id, vm_id",
            r => new VpcMember(new VpcId(Int(r, 0)), new VmId(Int(r, 1)).ToString(), Address(r.GetString(2))),
            cancellationToken).ConfigureAwait(false);
        var rules = await QueryAsync(
            connection,
            null,
            "SELECT from_vpc, to_vpc FROM vpc_rules ORDER BY from_vpc, to_vpc",
            r => new VpcRule(new VpcId(Int(r, 0)), Int(r, 1) == 0 ? null : new VpcId(Int(r, 1))),
            cancellationToken).ConfigureAwait(false);
        return new NetworkIntent(vpcs, members, rules);
    }

    public async Task<Vpc> CreateVpcAsync(NewVpc vpc, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vpc);
        var name = StoredValues.Name(vpc.Name, "VPC name");
        var enterprise = vpc.EnterpriseSite is { } site ? new EnterpriseAttachment(site, vpc.Subnet.Gateway + 1) : null;
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var id = await ScalarLongAsync(
            connection,
            null,
            "INSERT INTO vpcs (name, subnet, reserved_mbps, enterprise_site, enterprise_address) VALUES (@name, @subnet, @reserved, @site, @address) RETURNING id",
            cancellationToken,
            ("name", name), ("subnet", vpc.Subnet.ToString()), ("reserved", vpc.ReservedMbps), ("site", (long?)enterprise?.Site),
            ("address", enterprise is { } e ? Ipv4Subnet.FormatAddress(e.Address) : null)).ConfigureAwait(false);
        return new Vpc(new VpcId(checked((int)id)), name, vpc.Subnet, vpc.ReservedMbps, enterprise);
    }

    public async Task<bool> DeleteVpcAsync(VpcId vpc, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var members = await ScalarLongAsync(connection, transaction, "SELECT COUNT(*) FROM vpc_members WHERE vpc_id = @id", cancellationToken, ("id", (long)vpc.Value)).ConfigureAwait(false);
        if (members > 0)
        {
            return false;
        }

        await ExecuteAsync(connection, transaction, "DELETE FROM vpc_rules WHERE from_vpc = @id OR to_vpc = @id", cancellationToken, ("id", (long)vpc.Value)).ConfigureAwait(false);
        var deleted = await ExecuteAsync(connection, transaction, "DELETE FROM vpcs WHERE id = @id", cancellationToken, ("id", (long)vpc.Value)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted > 0;
    }

    public async Task AddVpcMemberAsync(VpcMember member, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(member);
        await ExecuteAsync(
            "INSERT INTO vpc_members (vpc_id, vm_id, address) VALUES (@vpc, @vm, @address)",
            cancellationToken,
            ("vpc", (long)member.Vpc.Value), ("vm", (long)VmNumber(member.VmId)), ("address", Ipv4Subnet.FormatAddress(member.Address))).ConfigureAwait(false);
    }

    public async Task<bool> RemoveVpcMemberAsync(VpcId vpc, VmId vm, CancellationToken cancellationToken) =>
        await ExecuteAsync(
            "DELETE FROM vpc_members WHERE vpc_id = @vpc AND vm_id = @vm",
            cancellationToken,
            ("vpc", (long)vpc.Value), ("vm", (long)vm.Value)).ConfigureAwait(false) > 0;

    public async Task<bool> AddVpcRuleAsync(VpcRule rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await ScalarLongAsync(connection, transaction, "SELECT COUNT(*) FROM vpc_rules WHERE from_vpc = @from AND to_vpc = @to", cancellationToken, RuleParameters(rule)).ConfigureAwait(false) > 0)
        {
            return false;
        }

        await ExecuteAsync(connection, transaction, "INSERT INTO vpc_rules (from_vpc, to_vpc) VALUES (@from, @to)", cancellationToken, RuleParameters(rule)).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async Task<bool> RemoveVpcRuleAsync(VpcRule rule, CancellationToken cancellationToken) =>
        await ExecuteAsync("DELETE FROM vpc_rules WHERE from_vpc = @from AND to_vpc = @to", cancellationToken, RuleParameters(rule)).ConfigureAwait(false) > 0;

    private static (string, object?)[] RuleParameters(VpcRule rule) => [("from", (long)rule.From.Value), ("to", (long)(rule.To?.Value ?? 0))];

    private static Vpc ReadVpc(DbDataReader r) => new(
        new VpcId(Int(r, 0)),
        r.GetString(1),
        Ipv4Subnet.Parse(r.GetString(2)),
        Long(r, 3),
        r.IsDBNull(4) ? null : new EnterpriseAttachment(Int(r, 4), Address(r.GetString(5))));

    private static uint Address(string text) =>
        Ipv4Subnet.TryParseAddress(text, out var address) ? address : throw new InvalidDataException($"stored VPC address '{text}' is not IPv4");

    /// <summary>The controller's VM number of a member's VM id (<c>vm-N</c>, as <see cref="VmId.ToString"/> writes it).</summary>
    internal static int VmNumber(string vmId) =>
        vmId.StartsWith("vm-", StringComparison.Ordinal) && int.TryParse(vmId.AsSpan(3), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"'{vmId}' is not a controller VM id (vm-N)", nameof(vmId));
}
