using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// A migration ticket: what a destination agent issues (to whoever holds its own token: the controller, an operator)
/// so that one source agent may migrate one VM to it. The source presents the ticket, never a token of its own, to the
/// destination's <c>/api/incoming</c> endpoints. Text form <c>v3.VM.CPUS.MEMORY.DISK.NIC.EXPIRES.NONCE.MAC</c>: the VM
/// and its size it admits (the disk in MiB, 0 for none), its network card (16 hex digits of a hash of network, address and gateway, or of "none"), when
/// admission stops being allowed (Unix seconds), a random nonce naming this migration, and an
/// HMAC-SHA256 over all of it with a key derived from the destination's token, so the destination checks a ticket
/// without keeping it (also after a restart) and nobody else can make one.
/// </summary>
/// <remarks>
/// Scope: admission only for this VM id, size (CPUs, memory, disk) and network card (so a ticket holder cannot put the VM on another of the
/// destination's networks), until <see cref="ExpiresAtUnixSeconds"/>, once (the agent remembers
/// used nonces until they expire); complete and abort only for this VM and this migration's nonce, until the settle
/// window after expiry has passed. The ticket is a bearer credential: whoever holds it can migrate that VM in.
/// </remarks>
public sealed partial record MigrationTicket(string VmId, int Cpus, int MemoryMiB, int DiskMiB, string Nic, long ExpiresAtUnixSeconds, string Nonce)
{
    /// <summary>No ticket is longer (the agent reads nothing longer as one).</summary>
    public const int MaxLength = 256;

    private const string Version = "v3";

    /// <summary>The signing key of an agent whose bearer token is <paramref name="agentToken"/>.</summary>
    public static byte[] DeriveKey(string agentToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentToken);
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(agentToken), "roost migration ticket key v1"u8);
    }

    /// <summary>What a ticket binds of a VM's NIC: 16 hex digits of SHA-256 of its canonical form (or of "no NIC").</summary>
    public static string NicDigest(GuestNic? nic) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("roost ticket nic " + GuestNic.Canonical(nic))))[..16];

    /// <summary>A fresh nonce (128 random bits, hex).</summary>
    public static string NewNonce() => RandomNumberGenerator.GetHexString(32, lowercase: true);

    /// <summary>The ticket's text, signed with <paramref name="key"/>.</summary>
    public string Sign(ReadOnlySpan<byte> key)
    {
        if (!GuestSpec.IsValidId(VmId) || !NoncePattern().IsMatch(Nonce) || !NicPattern().IsMatch(Nic) || Cpus < 1 || MemoryMiB < 1 || DiskMiB < 0 || ExpiresAtUnixSeconds < 0)
        {
            throw new ArgumentException($"ticket {this} has a field out of range");
        }

        var body = Body();
        return $"{body}.{Mac(key, body)}";
    }

    /// <summary>Reads and checks <paramref name="text"/>; on failure <paramref name="error"/> says why, in a few words.</summary>
    public static bool TryRead(string? text, ReadOnlySpan<byte> key, [NotNullWhen(true)] out MigrationTicket? ticket, out string error)
    {
        ticket = null;
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            error = "not a migration ticket";
            return false;
        }

        var parts = text.Split('.');
        if (parts.Length != 9 || parts[0] != Version || !GuestSpec.IsValidId(parts[1]) || !NicPattern().IsMatch(parts[5]) || !NoncePattern().IsMatch(parts[7])
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var cpus)
            || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var memory)
            || !int.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var disk)
            || !long.TryParse(parts[6], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            error = "not a migration ticket";
            return false;
        }

        var candidate = new MigrationTicket(parts[1], cpus, memory, disk, parts[5], expires, parts[7]);
        var expected = Encoding.ASCII.GetBytes(Mac(key, candidate.Body()));
        if (!CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(parts[8])))
        {
            error = "the ticket's signature is wrong (not issued by this agent, or its token changed since)";
            return false;
        }

        error = "";
        ticket = candidate;
        return true;
    }

    private string Body() => string.Create(CultureInfo.InvariantCulture, $"{Version}.{VmId}.{Cpus}.{MemoryMiB}.{DiskMiB}.{Nic}.{ExpiresAtUnixSeconds}.{Nonce}");

    private static string Mac(ReadOnlySpan<byte> key, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(body)));

    [GeneratedRegex("^[0-9a-f]{32}$")]
    private static partial Regex NoncePattern();

    [GeneratedRegex("^[0-9a-f]{16}$")]
    private static partial Regex NicPattern();
}
