namespace Roost.Hypervisor.Lab;

/// <summary>
/// How to start <c>roost</c> for the relay process: the executable and the arguments before the verb
/// (<c>dotnet</c> + <c>roost.dll</c> for a framework-dependent build). The lab appends <c>lab relay --name NAME</c>.
/// </summary>
public sealed record RelayLauncher(string File, IReadOnlyList<string> Arguments);
