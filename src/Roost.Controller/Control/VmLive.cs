using Roost.Core.Model;

namespace Roost.Controller.Control;

/// <summary>A running VM at the last step: where it is, what it holds and used, and where it is migrating to, if anywhere.</summary>
public sealed record VmLive(VmId Id, HostId Host, ResourceVector Allocation, ResourceVector Usage, HostId? MigratingTo);
