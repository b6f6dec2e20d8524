namespace Roost.Hypervisor.Images;

/// <summary>
/// The guest's <c>/init</c> and <c>/bin/reporter</c> shell scripts and the C source of <c>/bin/memtest</c> (the memory
/// verifier, compiled at image build time), embedded in this assembly from Images/Guest.
/// </summary>
internal sealed record GuestScripts(byte[] Init, byte[] Reporter, byte[] MemtestSource)
{
    public static GuestScripts Load() => new(Read("init"), Read("reporter"), Read("memtest.c"));

    private static byte[] Read(string name)
    {
        using var stream = typeof(GuestScripts).Assembly.GetManifestResourceStream($"Roost.Hypervisor.Guest.{name}")
            ?? throw new InvalidOperationException($"embedded guest script '{name}' is missing from the build");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
