namespace Roost.Core.Network;

/// <summary>
/// A VM on a VPC's segment with the address the controller allocated it (the VM's NIC asks for the VPC's network
/// and gets this address on its kernel command line). Its tap is the agent's; the VPC's kernel objects do not depend
/// on where the VM runs, so a migrated member keeps its address and MAC.
/// </summary>
public sealed record VpcMember(VpcId Vpc, string VmId, uint Address);
