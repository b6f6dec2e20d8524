using Roost.Core.Model;

namespace Roost.Core.Recovery;

/// <summary>A VM's disk the cloud site replicates: writes outside <see cref="SizeBytes"/> are refused.</summary>
public sealed record ProtectedDisk(VmId Vm, long SizeBytes);
