namespace Roost.Hypervisor.Images;

/// <summary>The guest's <c>/init</c> and <c>/bin/reporter</c> shell scripts, embedded in this assembly from Images/Guest.</summary>
internal sealed record GuestScripts(byte[] Init, byte[] Reporter)
{
    public static GuestScripts Load() => new(Read("init"), Read("reporter"));

    private static byte[] Read(string name)
    {
        using var stream = typeof(GuestScripts).Assembly.GetManifestResourceStream($"Roost.Hypervisor.Guest.{name}")
            ?? throw new InvalidOperationException($"embedded guest script '{name}' is missing from the build");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
