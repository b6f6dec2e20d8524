using Roost.Hypervisor.Agent;
using Roost.Hypervisor.Images;
using Roost.Hypervisor.Qemu;

namespace Roost.Hypervisor.Tests.Agent;

/// <summary>An in-process agent whose image and QEMU do not exist: for API tests answered before any QEMU would run.</summary>
internal static class QemulessAgent
{
    public static Task<AgentServer> StartAsync(string prefix, AgentCapacity capacity)
    {
        var name = $"{prefix}{Environment.ProcessId}";
        var image = new GuestImage("minimal", "/nonexistent/kernel", "/nonexistent/initrd", "none", KernelIsVmlinux: true);
        var options = new AgentOptions(name, capacity, QemuFixture.Token, image, Accelerator.Tcg, "/nonexistent/qemu",
            Path.Combine(Path.GetTempPath(), "roost-tests", name));
        return AgentServer.StartAsync(options, "127.0.0.1:0", TimeProvider.System, CancellationToken.None);
    }

    public static async Task StopAsync(AgentServer? server)
    {
        if (server is not null)
        {
            await server.DisposeAsync();
            Directory.Delete(server.Agent.Options.EffectiveRunDirectory, recursive: true);
        }
    }
}
