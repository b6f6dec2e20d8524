namespace Roost.Core.Overheads;

/// <summary>
/// The platform a model was built on (a model holds only there: MOVE builds one per platform). <see cref="Name"/> is
/// a short identifier; <see cref="Description"/> says hypervisor, accelerator, host CPU, guest size, as the builder knows them.
/// </summary>
public sealed record PlatformDescription(string Name, string Description);
