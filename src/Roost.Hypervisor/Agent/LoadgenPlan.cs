using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Roost.Hypervisor.Agent;

/// <summary>
/// One run of Roost's load generator (<c>loadgen</c>, Images/Guest/loadgen.c: MOVE's microbenchmarks), the same run
/// natively on the host and in a guest (body of <c>POST /api/vms/{id}/loadgen</c>). Every load is optional; rates are
/// per second. Disk loads go to the guest's virtual disk (<c>/dev/vda</c>) in a guest, to the device the caller names
/// natively. Only typed, range-checked values reach the generator's command line.
/// </summary>
/// <param name="Seconds">How long the run lasts (1-3600).</param>
/// <param name="CpuPercent">Busy share of each 10 ms period (0-100): the same time on both sides, not the same work.</param>
/// <param name="UdpSendTo">Datagrams go to this IPv4 address …</param>
/// <param name="UdpPort">… and port (1-65535); also the port <see cref="UdpSinkOn"/> listens on.</param>
/// <param name="UdpSize">Datagram payload bytes (1-65507).</param>
/// <param name="UdpRate">Datagrams a second (1-1,000,000).</param>
/// <param name="UdpSinkOn">Receive and drop datagrams sent to this IPv4 address and <see cref="UdpPort"/>.</param>
/// <param name="ReadBlock">Direct reads of this many bytes (512-1 MiB, a multiple of 512) …</param>
/// <param name="ReadRate">… this many a second.</param>
/// <param name="WriteBlock">Direct writes of this many bytes …</param>
/// <param name="WriteRate">… this many a second.</param>
/// <param name="SpanMiB">Disk offsets fall in the first this many MiB (1-65536; default 64).</param>
/// <param name="HttpGetFrom">HTTP/1.0 GETs of / go to this IPv4 address …</param>
/// <param name="HttpPort">… and port …</param>
/// <param name="HttpRate">… this many a second (1-100,000).</param>
/// <param name="WorkRate">Units of fixed integer work a second (1-100,000): the same work on both sides.</param>
/// <param name="SpawnRate">Child processes forked (and reaped) a second (1-100,000).</param>
/// <param name="TcpSendTo">TCP connections go to this IPv4 address and <see cref="TcpPort"/>, each writing <see cref="TcpSize"/> bytes …</param>
/// <param name="TcpPort">The TCP port (1-65535), also the one <see cref="TcpSinkOn"/> listens on.</param>
/// <param name="TcpSize">Bytes written per connection (1-16 MiB).</param>
/// <param name="TcpRate">Connections a second (1-100,000).</param>
/// <param name="TcpSinkOn">Accept connections on this IPv4 address and <see cref="TcpPort"/>, reading each to its end.</param>
public sealed record LoadgenPlan(
    int Seconds,
    int? CpuPercent = null,
    string? UdpSendTo = null,
    int? UdpPort = null,
    int? UdpSize = null,
    int? UdpRate = null,
    string? UdpSinkOn = null,
    int? ReadBlock = null,
    int? ReadRate = null,
    int? WriteBlock = null,
    int? WriteRate = null,
    int? SpanMiB = null,
    string? HttpGetFrom = null,
    int? HttpPort = null,
    int? HttpRate = null,
    int? WorkRate = null,
    int? SpawnRate = null,
    string? TcpSendTo = null,
    int? TcpPort = null,
    int? TcpSize = null,
    int? TcpRate = null,
    string? TcpSinkOn = null)
{
    /// <summary>Null when the plan is whole and in range, else one line naming the first field that is not.</summary>
    public string? Validate()
    {
        string? Range(string name, int? value, int min, int max) =>
            value is { } v && (v < min || v > max) ? $"{name} {v} must be from {min} to {max}" : null;
        string? Both(string a, object? x, string b, object? y) =>
            (x is null) != (y is null) ? $"{a} and {b} go together" : null;
        string? Address(string name, string? text) =>
            text is not null && !(IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetwork && ip.ToString() == text)
                ? $"{name} '{AgentEndpoints.Printable(text, 40)}' must be an IPv4 address in dotted form"
                : null;

        return Range("seconds", Seconds, 1, 3600)
            ?? Range("cpuPercent", CpuPercent, 0, 100)
            ?? Range("workRate", WorkRate, 1, 100_000) ?? Range("spawnRate", SpawnRate, 1, 100_000)
            ?? Address("udpSendTo", UdpSendTo) ?? Address("udpSinkOn", UdpSinkOn) ?? Address("httpGetFrom", HttpGetFrom)
            ?? Address("tcpSendTo", TcpSendTo) ?? Address("tcpSinkOn", TcpSinkOn)
            ?? Range("tcpPort", TcpPort, 1, 65535) ?? Range("tcpSize", TcpSize, 1, 1 << 24) ?? Range("tcpRate", TcpRate, 1, 100_000)
            ?? (TcpSendTo is not null && (TcpPort is null || TcpSize is null || TcpRate is null) ? "tcpSendTo needs tcpPort, tcpSize and tcpRate" : null)
            ?? (TcpSinkOn is not null && TcpPort is null ? "tcpSinkOn needs tcpPort" : null)
            ?? (TcpSendTo is not null && TcpSinkOn is not null ? "a run either sends or sinks connections, not both" : null)
            ?? Range("udpPort", UdpPort, 1, 65535) ?? Range("udpSize", UdpSize, 1, 65507) ?? Range("udpRate", UdpRate, 1, 1_000_000)
            ?? Range("readBlock", ReadBlock, 512, 1 << 20) ?? Range("readRate", ReadRate, 1, 1_000_000)
            ?? Range("writeBlock", WriteBlock, 512, 1 << 20) ?? Range("writeRate", WriteRate, 1, 1_000_000)
            ?? (ReadBlock % 512 is > 0 || WriteBlock % 512 is > 0 ? "readBlock and writeBlock must be multiples of 512" : null)
            ?? Range("spanMiB", SpanMiB, 1, 65536)
            ?? Range("httpPort", HttpPort, 1, 65535) ?? Range("httpRate", HttpRate, 1, 100_000)
            ?? Both("readBlock", ReadBlock, "readRate", ReadRate) ?? Both("writeBlock", WriteBlock, "writeRate", WriteRate)
            ?? Both("httpGetFrom", HttpGetFrom, "httpRate", HttpRate) ?? Both("httpGetFrom", HttpGetFrom, "httpPort", HttpPort)
            ?? (UdpSendTo is not null && (UdpPort is null || UdpSize is null || UdpRate is null) ? "udpSendTo needs udpPort, udpSize and udpRate" : null)
            ?? (UdpSinkOn is not null && UdpPort is null ? "udpSinkOn needs udpPort" : null)
            ?? (UdpSendTo is not null && UdpSinkOn is not null ? "a run either sends or sinks datagrams, not both" : null);
    }

    /// <summary>The generator's arguments for a valid plan, disk loads on <paramref name="diskPath"/>.</summary>
    public IReadOnlyList<string> Arguments(string diskPath)
    {
        if (Validate() is { } invalid)
        {
            throw new ArgumentException($"load generator plan: {invalid}");
        }

        var args = new List<string> { "--seconds", Number(Seconds) };
        if (SpanMiB is { } span)
        {
            args.AddRange(["--span", Number(span)]);
        }

        if (CpuPercent is { } cpu)
        {
            args.AddRange(["--cpu", Number(cpu)]);
        }

        if (WorkRate is { } work)
        {
            args.AddRange(["--work", Number(work)]);
        }

        if (SpawnRate is { } spawn)
        {
            args.AddRange(["--spawn", Number(spawn)]);
        }

        if (TcpSendTo is not null)
        {
            args.AddRange(["--tcp-send", string.Create(CultureInfo.InvariantCulture, $"{TcpSendTo}:{TcpPort}:{TcpSize}:{TcpRate}")]);
        }

        if (TcpSinkOn is not null)
        {
            args.AddRange(["--tcp-sink", string.Create(CultureInfo.InvariantCulture, $"{TcpSinkOn}:{TcpPort}")]);
        }

        if (UdpSendTo is not null)
        {
            args.AddRange(["--udp-send", string.Create(CultureInfo.InvariantCulture, $"{UdpSendTo}:{UdpPort}:{UdpSize}:{UdpRate}")]);
        }

        if (UdpSinkOn is not null)
        {
            args.AddRange(["--udp-sink", string.Create(CultureInfo.InvariantCulture, $"{UdpSinkOn}:{UdpPort}")]);
        }

        if (ReadBlock is { } readBlock)
        {
            args.AddRange(["--read", string.Create(CultureInfo.InvariantCulture, $"{diskPath}:{readBlock}:{ReadRate}")]);
        }

        if (WriteBlock is { } writeBlock)
        {
            args.AddRange(["--write", string.Create(CultureInfo.InvariantCulture, $"{diskPath}:{writeBlock}:{WriteRate}")]);
        }

        if (HttpGetFrom is not null)
        {
            args.AddRange(["--http-get", string.Create(CultureInfo.InvariantCulture, $"{HttpGetFrom}:{HttpPort}:{HttpRate}")]);
        }

        return args;
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
