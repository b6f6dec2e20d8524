using System.Globalization;
using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>
/// The store's boundary: nothing is written that the API could not serve back. Resources are finite and in
/// [0, <see cref="MaxResource"/>], enums are defined members, names are 1 to <see cref="MaxNameLength"/> characters;
/// free text (event messages, outcomes, reasons) is cut at <see cref="MaxTextLength"/>. A value outside these is a bug
/// upstream (the API validates first), so it is refused with <see cref="ArgumentOutOfRangeException"/>, never stored.
/// </summary>
internal static class StoredValues
{
    public const double MaxResource = 1e12;
    public const int MaxNameLength = 256;
    public const int MaxTextLength = 4000;

    public static bool IsStorable(ResourceVector value) =>
        value.CpuCores is >= 0 and <= MaxResource && value.MemoryMiB is >= 0 and <= MaxResource && value.NetworkMbps is >= 0 and <= MaxResource;

    public static ResourceVector Resources(ResourceVector value, string what)
    {
        foreach (var (component, name) in new[] { (value.CpuCores, "cpu"), (value.MemoryMiB, "memory"), (value.NetworkMbps, "network") })
        {
            if (!(component >= 0 && component <= MaxResource))
            {
                throw new ArgumentOutOfRangeException(nameof(value), string.Create(CultureInfo.InvariantCulture, $"{what}: {name} {component} is not a finite amount in [0, {MaxResource}]"));
            }
        }

        return value;
    }

    public static string Name(string value, string what)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length is 0 or > MaxNameLength)
        {
            throw new ArgumentOutOfRangeException(nameof(value), string.Create(CultureInfo.InvariantCulture, $"{what}: a name of {value.Length} characters (1 to {MaxNameLength})"));
        }

        return value;
    }

    public static string Text(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length > MaxTextLength ? value[..MaxTextLength] : value;
    }

    public static T Defined<T>(T value)
        where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value), $"{typeof(T).Name} {value} is not defined");
}
