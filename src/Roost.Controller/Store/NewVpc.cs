using Roost.Core.Network;

namespace Roost.Controller.Store;

/// <summary>A VPC an operator asked for: the store gives it an id; the enterprise, if any, gets the range's first member address.</summary>
public sealed record NewVpc(string Name, Ipv4Subnet Subnet, long ReservedMbps, int? EnterpriseSite);
