using Roost.Core.Model;

namespace Roost.Controller.Control;

/// <summary>
/// A running VM at the last step: where it is, what it holds and used, where it is migrating to, if anywhere, and the
/// distinct non-zero pages of its last page fingerprint (null until the driver has read one).
/// </summary>
public sealed record VmLive(VmId Id, HostId Host, ResourceVector Allocation, ResourceVector Usage, HostId? MigratingTo, long? FingerprintPages = null);
