using Roost.Hypervisor.Agent;

namespace Roost.Hypervisor.Tests.Sharing;

/// <summary>One real guest's RAM fingerprint, with the profile its image was built from.</summary>
public sealed record RealGuest(string Profile, GuestMemoryFingerprint Memory);
