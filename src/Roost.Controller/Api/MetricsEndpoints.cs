using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Roost.Controller.Control;

namespace Roost.Controller.Api;

/// <summary><c>/metrics</c> in the Prometheus text exposition format (version 0.0.4).</summary>
public static class MetricsEndpoints
{
    public static IEndpointRouteBuilder MapMetricsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", GetMetrics).WithTags("Metrics").ExcludeFromDescription();
        return app;
    }

    private static ContentHttpResult GetMetrics(LiveState live) =>
        TypedResults.Text(Render(live.Current), "text/plain; version=0.0.4; charset=utf-8");

    internal static string Render(LiveView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var text = new StringBuilder();
        Metric(text, "roost_hosts", "gauge", "Hosts in the inventory.", view.Hosts.Count);
        Metric(text, "roost_hosts_active", "gauge", "Hosts running at least one VM.", view.Hosts.Count(h => h.VmCount > 0));
        Metric(text, "roost_hosts_hot", "gauge", "Hosts Sandpiper finds hot.", view.Hosts.Count(h => h.Hot));
        Metric(text, "roost_vms_running", "gauge", "VMs running.", view.Vms.Count);
        Metric(text, "roost_migrations_in_progress", "gauge", "Live migrations under way.", view.Vms.Count(v => v.MigratingTo is not null));
        Metric(text, "roost_power_watts", "gauge", "Total power draw of the hosts.", view.Hosts.Sum(h => h.PowerWatts));
        Metric(text, "roost_control_steps_total", "counter", "Control loop steps since start.", view.Counters.Steps);
        Metric(text, "roost_plans_created_total", "counter", "Plans created since start.", view.Counters.PlansCreated);
        Metric(text, "roost_migrations_started_total", "counter", "Migrations started since start.", view.Counters.MigrationsStarted);
        Metric(text, "roost_actions_succeeded_total", "counter", "Actions that succeeded since start.", view.Counters.ActionsSucceeded);
        Metric(text, "roost_actions_failed_total", "counter", "Actions that failed or were cancelled since start.", view.Counters.ActionsFailed);
        foreach (var (name, help, pick) in new (string, string, Func<HostLive, double>)[]
        {
            ("roost_host_cpu_utilization", "CPU used / capacity (0..1).", h => h.Usage.CpuCores / h.Capacity.CpuCores),
            ("roost_host_memory_utilization", "Memory used / capacity (0..1).", h => h.Usage.MemoryMiB / h.Capacity.MemoryMiB),
            ("roost_host_network_utilization", "Network used / capacity (0..1).", h => h.Usage.NetworkMbps / h.Capacity.NetworkMbps),
            ("roost_host_power_watts", "Host power draw in watts.", h => h.PowerWatts),
        })
        {
            text.Append("# HELP ").Append(name).Append(' ').AppendLine(help).Append("# TYPE ").Append(name).AppendLine(" gauge");
            foreach (var host in view.Hosts)
            {
                text.Append(name).Append("{host=\"").Append(host.Id.ToString()).Append("\"} ").AppendLine(Number(pick(host)));
            }
        }

        return text.ToString();
    }

    private static void Metric(StringBuilder text, string name, string type, string help, double value) =>
        text.Append("# HELP ").Append(name).Append(' ').AppendLine(help)
            .Append("# TYPE ").Append(name).Append(' ').AppendLine(type)
            .Append(name).Append(' ').AppendLine(Number(value));

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "NaN";
}
