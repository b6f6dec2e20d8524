using Roost.Core.Model;

namespace Roost.Core.Balancing;

/// <summary>A VM with its profiled need (cores, MiB, Mbit/s) as a provisioner estimated it.</summary>
public sealed record VmAssessment(VmSnapshot Vm, ResourceVector Need);
