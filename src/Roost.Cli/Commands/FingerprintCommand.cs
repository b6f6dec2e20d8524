using Roost.Core.Sharing;
using Roost.Hypervisor.Agent;
using Roost.Simulation.Input;

namespace Roost.Cli.Commands;

/// <summary><c>roost fingerprint</c>: fingerprint a running guest's RAM through its agent and write a fingerprint file.</summary>
internal sealed class FingerprintCommand : ICommand
{
    public string Name => "fingerprint";

    public string Summary => "Fingerprint a running VM's memory (Memory Buddies) through its agent";

    public OptionSet Options { get; } = new OptionSet(
            "roost fingerprint --agent URL --vm ID --out FILE [--token-file F] [--kind exact|bloom] [--bits-per-page B] [--sample-shift S]",
            "Reads the VM's RAM through the agent API while it runs, hashes every 4 KiB page (XxHash3, zero pages counted\n"
            + "apart), and writes the fingerprint file (an exact sorted hash list, or a Bloom filter sized for the\n"
            + "VM's memory). The token is read from --token-file or $ROOST_TOKEN.")
        .Add("agent", "URL", "Agent base address, e.g. http://127.0.0.1:7001")
        .Add("vm", "ID", "VM id")
        .Add("out", "FILE", "Fingerprint file to write")
        .Add("token-file", "F", "File holding the agent's bearer token (default $ROOST_TOKEN)")
        .Add("kind", "KIND", "exact (sorted hash list, default) or bloom")
        .Add("bits-per-page", "B", $"Bloom filter bits per page of VM memory (default {BloomParameters.DefaultBitsPerPage})")
        .Add("sample-shift", "S", $"Keep one page hash in 2^S (0 to {HashSampling.MaxShift}, default 0: all pages)");

    public async Task<int> RunAsync(ParsedOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RejectPositional();
        var agentText = Required(options, "agent");
        if (!Uri.TryCreate(agentText.EndsWith('/') ? agentText : agentText + "/", UriKind.Absolute, out var agent) || agent.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"roost fingerprint: --agent '{agentText}' is not an http(s) URL");
        }

        var vm = Required(options, "vm");
        var output = Required(options, "out");
        OutputPath.RequireFile(Name, "out", output);
        var kind = options.Get("kind") ?? "exact";
        if (kind is not ("exact" or "bloom"))
        {
            throw new UsageException($"roost fingerprint: --kind '{kind}' is not exact or bloom");
        }

        var bitsPerPage = options.GetDouble("bits-per-page", BloomParameters.DefaultBitsPerPage, 0.5, 64);
        var sampling = new HashSampling(options.GetInt("sample-shift", 0, 0, HashSampling.MaxShift));
        var token = ReadToken(options.Get("token-file"));

        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var result = await new GuestFingerprintClient(http).FingerprintAsync(agent, token, vm, sampling, cancellationToken).ConfigureAwait(false);
        if (result is not AgentOutcome<GuestMemoryFingerprint>.Ok { Value: var fingerprint })
        {
            throw new UsageException($"roost fingerprint: {((AgentOutcome<GuestMemoryFingerprint>.Failed)result).Problem.Detail}", 1);
        }

        var pages = fingerprint.Pages;
        byte[] bytes;
        string described;
        if (kind == "bloom")
        {
            var parameters = BloomParameters.ForMemoryMiB(fingerprint.MemoryMiB, sampling, bitsPerPage);
            var filter = BloomFingerprint.FromExact(pages, parameters);
            bytes = FingerprintFile.Write(filter);
            described = $"Bloom filter {parameters}, false-positive rate {filter.FalsePositiveRate:P2}";
        }
        else
        {
            bytes = FingerprintFile.Write(pages);
            described = $"exact list of {pages.Count} hashes";
        }

        try
        {
            // Page hashes of a guest's memory: owner-only, like the guest RAM file itself.
            await Roost.Hypervisor.Qemu.PrivateFiles.WriteAllBytesAsync(output, bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"roost fingerprint: cannot write '{PrintableText.Escape(output)}': {e.Message}", 1);
        }

        Console.WriteLine(PrintableText.Escape($"{vm}: {fingerprint.MemoryMiB} MiB = {fingerprint.MemoryPages} pages, {pages.ZeroPages} zero, "
            + $"{pages.EstimatedDistinctPages} distinct non-zero ({sampling}); wrote {output} ({described}, {bytes.Length} bytes)"));
        return 0;
    }

    private static string Required(ParsedOptions options, string name) =>
        options.Get(name) ?? throw new UsageException($"roost fingerprint: --{name} is required (see 'roost fingerprint --help')");

    private static string ReadToken(string? tokenFile)
    {
        if (tokenFile is null)
        {
            return Environment.GetEnvironmentVariable("ROOST_TOKEN") is { Length: > 0 } fromEnvironment
                ? fromEnvironment
                : throw new UsageException("roost fingerprint: give --token-file F or set ROOST_TOKEN to the agent's bearer token");
        }

        return TokenFile.Read("roost fingerprint: --token-file", tokenFile);
    }
}
