namespace Roost.Controller.Drivers.Agents;

/// <summary>The part of a guest report the controller uses: memory in KiB, cumulative swap pages and network bytes.</summary>
internal sealed record AgentGuestReportDto(long MemTotalKiB, long MemAvailableKiB, long SwapPagesIn, long SwapPagesOut, long NetRxBytes, long NetTxBytes);
