namespace Roost.Core.Balancing.Consolidation;

/// <summary>
/// A VM a selection policy may pick from an overloaded host: its RAM (MMT), its current CPU utilisation as a fraction
/// of its own MIPS (MU), and its utilisation history, most recent first (MC).
/// </summary>
public readonly record struct SelectableVm(int Id, int RamMiB, double CpuUtilization, ReadOnlyMemory<double> History);
