namespace Roost.Hypervisor.Images;

/// <summary>
/// The guest's <c>/init</c>, <c>/bin/reporter</c>, <c>/bin/app-db</c> (MOVE's database application, also run
/// natively) and <c>/bin/bft-node</c> (starts the bft-executor profile's BFT execution replica) shell scripts and the C sources of <c>/bin/memtest</c> (the memory verifier) and <c>/bin/loadgen</c>
/// (MOVE's load generator, also run natively), compiled at image build time, embedded in this assembly from
/// Images/Guest.
/// </summary>
internal sealed record GuestScripts(byte[] Init, byte[] Reporter, byte[] MemtestSource, byte[] LoadgenSource, byte[] AppDb, byte[] BftNode)
{
    public static GuestScripts Load() => new(Read("init"), Read("reporter"), Read("memtest.c"), Read("loadgen.c"), Read("app-db"), Read("bft-node"));

    /// <summary>One embedded file of Images/Guest by name.</summary>
    public static byte[] Read(string name)
    {
        using var stream = typeof(GuestScripts).Assembly.GetManifestResourceStream($"Roost.Hypervisor.Guest.{name}")
            ?? throw new InvalidOperationException($"embedded guest script '{name}' is missing from the build");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
