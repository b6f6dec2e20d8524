using System.Text.Json;
using System.Text.Json.Serialization;
using Roost.Core.Recovery;
using Roost.Simulation.Input;

namespace Roost.Controller.Recovery;

/// <summary>
/// What the controller takes from a cloud site's answer, and how it is bounded: the body at most
/// <see cref="MaxBodyBytes"/>, JSON nested at most <see cref="MaxDepth"/>, numbers as JSON numbers (finite), at most
/// <see cref="MaxVms"/> VMs, each a non-negative number once, its state one of <see cref="DrVmStates"/>, counts and
/// bytes not negative; every text the site chose (mode, trigger, addresses, problems) is cut to
/// <see cref="MaxTextLength"/> characters with control and other unsafe characters escaped. Anything else is a
/// malformed answer, one line saying what. Unknown members are ignored (a newer site may say more).
/// </summary>
public static class DrSiteAnswer
{
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    public const int MaxDepth = 16;

    public const int MaxVms = 10_000;

    public const int MaxTextLength = 200;

    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        MaxDepth = MaxDepth,
        AllowDuplicateProperties = false,
    };

    /// <summary>A site's <c>GET /status</c> body, checked and bounded; null with <paramref name="error"/> when malformed.</summary>
    public static DrSiteStatus? ReadStatus(ReadOnlySpan<byte> body, out string error)
    {
        error = "";
        DrSiteStatus? status;
        try
        {
            status = JsonSerializer.Deserialize<DrSiteStatus>(body, _json);
        }
        catch (JsonException e)
        {
            error = $"malformed status: {Text(e.Message)}";
            return null;
        }

        if (status?.Vms is null)
        {
            error = "malformed status: no 'vms'";
            return null;
        }

        if (status.Vms.Count > MaxVms)
        {
            error = $"malformed status: {status.Vms.Count} VMs, more than {MaxVms}";
            return null;
        }

        if (!NonNegative(status.CheckpointIntervalSeconds) || status.LossAfterSeconds is { } loss && !NonNegative(loss) || status.RetainCheckpoints < 0 || status.CheckpointsKept < 0)
        {
            error = "malformed status: a knob is negative or not finite";
            return null;
        }

        var vms = new List<DrVmStatus>(status.Vms.Count);
        var seen = new HashSet<int>();
        foreach (var vm in status.Vms)
        {
            if ((vm is null ? "a VM is null" : Check(vm)) is { } problem)
            {
                error = $"malformed status: {problem}";
                return null;
            }

            if (!seen.Add(vm!.Vm))
            {
                error = $"malformed status: VM {vm.Vm} is listed twice";
                return null;
            }

            vms.Add(Bounded(vm));
        }

        return status with { Vms = vms };
    }

    /// <summary>One VM's status (a site's 202 answer to an action), checked and bounded; null with <paramref name="error"/>.</summary>
    public static DrVmStatus? ReadVm(ReadOnlySpan<byte> body, out string error)
    {
        error = "";
        try
        {
            var vm = JsonSerializer.Deserialize<DrVmStatus>(body, _json);
            error = vm is null ? "malformed VM status: null" : Check(vm) is { } problem ? $"malformed VM status: {problem}" : "";
            return error.Length == 0 && vm is not null ? Bounded(vm) : null;
        }
        catch (JsonException e)
        {
            error = $"malformed VM status: {Text(e.Message)}";
            return null;
        }
    }

    /// <summary>The <c>detail</c> of a site's problem answer, bounded and escaped; null when there is none.</summary>
    public static string? ReadProblemDetail(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = MaxDepth });
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String
                ? Text(detail.GetString() ?? "")
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Text a site chose, as the controller shows it: at most <see cref="MaxTextLength"/> characters, escaped.</summary>
    public static string Text(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return PrintableText.Escape(text.Length > MaxTextLength ? text[..MaxTextLength] + "…" : text);
    }

    private static string? Check(DrVmStatus vm)
    {
        var what = $"VM {vm.Vm}";
        if (vm.Vm < 0)
        {
            return $"VM number {vm.Vm} is negative";
        }

        if (vm.DiskBytes < 0 || vm.Applied < 0 || vm.Issued < 0 || vm.Lag < 0 || vm.LastCheckpointId < 0 || vm.LastCheckpointWrite < 0)
        {
            return $"{what}: a count is negative";
        }

        if (!DrVmStates.All.Contains(vm.State, StringComparer.Ordinal))
        {
            return $"{what}: state '{Text(vm.State ?? "")}' is not one of {string.Join(", ", DrVmStates.All)}";
        }

        double?[] durations = [vm.RpoSeconds, vm.Failover?.RtoSeconds, vm.Failover?.OutageSeconds];
        if (durations.Any(d => d is { } v && !NonNegative(v)))
        {
            return $"{what}: a duration is negative or not finite";
        }

        if (vm.Failover is { Trigger: null } || vm.Failback is { To: null })
        {
            return $"{what}: a failover without its trigger or a failback without its address";
        }

        return vm.Failback is { } back && (back.MovedBytes < 0 || back.FullBytes < 0) ? $"{what}: a failback's bytes are negative" : null;
    }

    private static DrVmStatus Bounded(DrVmStatus vm) => vm with
    {
        Mode = Optional(vm.Mode),
        State = vm.State,
        Failover = vm.Failover is { } f ? f with { Trigger = Text(f.Trigger), Address = Optional(f.Address), Problem = Optional(f.Problem) } : null,
        Failback = vm.Failback is { } b ? b with { To = Text(b.To), Problem = Optional(b.Problem) } : null,
    };

    private static string? Optional(string? text) => text is null ? null : Text(text);

    private static bool NonNegative(double value) => double.IsFinite(value) && value >= 0;
}
