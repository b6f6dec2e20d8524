using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// Applies a <see cref="LabStep.Tune"/> from inside its namespace: sysctls are written to /proc/sys (which shows
/// the network namespace of the thread that opens it), offloads are turned off with the ethtool ioctls
/// (ETHTOOL_GFEATURES, ETHTOOL_SFEATURES on an AF_INET socket), so neither sysctl nor ethtool needs to be installed.
/// </summary>
internal static class NamespaceTuning
{
    private const int AfInet = 2;
    private const int SockDgram = 2;
    private const uint SiocEthtool = 0x8946;
    private const int InterfaceRequestBytes = 40;

    // ETHTOOL_GFEATURES / ETHTOOL_SFEATURES: the device's feature bits as 32-bit words (two for a 64-bit
    // netdev_features_t), each a block of {available, requested, active, never_changed} to read and
    // {valid, requested} to write.
    private const int GetFeatures = 0x3a;
    private const int SetFeatures = 0x3b;
    private const int FeatureWords = 2;

    /// <summary>Applies <paramref name="tune"/>; an <see cref="IOException"/> names the setting the kernel refused.</summary>
    public static void Apply(LabStep.Tune tune) =>
        NetworkNamespace.Run(tune.Namespace, () =>
        {
            foreach (var (name, value) in tune.Sysctls)
            {
                var path = "/proc/sys/" + name.Replace('.', '/');
                try
                {
                    File.WriteAllText(path, value);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IOException($"{tune.Namespace}: sysctl {name}={value}: {e.Message}", e);
                }
            }

            foreach (var device in tune.OffloadsOff)
            {
                OffloadsOff(tune.Namespace, device);
            }

            return 0;
        });

    /// <summary>
    /// Turns every feature of <paramref name="device"/> that can change off: every segmentation offload (TCP, UDP
    /// tunnels, ...), checksum offloads and GRO. Frames then leave the device whole, at most one MTU, with their
    /// checksums computed, which is what the relay must see.
    /// </summary>
    private static void OffloadsOff(string ns, string device)
    {
        var fd = NativeMethods.Socket(AfInet, SockDgram | NativeMethods.SockCloexec, 0);
        if (fd < 0)
        {
            throw new IOException($"{ns}: socket for ethtool: {NativeMethods.LastError()}");
        }

        var buffer = Marshal.AllocHGlobal(8 + (FeatureWords * 16));
        try
        {
            Marshal.WriteInt32(buffer, 0, GetFeatures);
            Marshal.WriteInt32(buffer, 4, FeatureWords);
            Ethtool(fd, device, buffer, $"{ns}: {device}: reading its features");
            var changeable = new uint[FeatureWords];
            for (var word = 0; word < FeatureWords; word++)
            {
                var available = (uint)Marshal.ReadInt32(buffer, 8 + (word * 16));
                var neverChanged = (uint)Marshal.ReadInt32(buffer, 8 + (word * 16) + 12);
                changeable[word] = available & ~neverChanged;
            }

            Marshal.WriteInt32(buffer, 0, SetFeatures);
            Marshal.WriteInt32(buffer, 4, FeatureWords);
            for (var word = 0; word < FeatureWords; word++)
            {
                Marshal.WriteInt32(buffer, 8 + (word * 8), (int)changeable[word]);
                Marshal.WriteInt32(buffer, 8 + (word * 8) + 4, 0);
            }

            Ethtool(fd, device, buffer, $"{ns}: {device}: turning offloads off");
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
            _ = NativeMethods.Close(fd);
        }
    }

    private static void Ethtool(int fd, string device, IntPtr data, string what)
    {
        var request = new byte[InterfaceRequestBytes];
        Encoding.ASCII.GetBytes(device, request);
        BinaryPrimitives.WriteInt64LittleEndian(request.AsSpan(16), data.ToInt64());
        if (NativeMethods.Ioctl(fd, SiocEthtool, request) < 0)
        {
            throw new IOException($"{what}: {NativeMethods.LastError()}");
        }
    }
}
