using System.Globalization;
using Roost.Bft.Services;

namespace Roost.Bft.Net;

/// <summary>
/// The replicated service of a deployment: the hash-chain service with its state's shape, or the null service (empty
/// operations, empty results: agreement and replication alone). Also what the load generator sends and accepts.
/// </summary>
public sealed record ServiceSpec(int Objects, int ObjectBytes, bool IsNull = false)
{
    public const long MaxStateBytes = 1L << 30;

    /// <summary>The null service's spec (<c>service null</c>).</summary>
    public static ServiceSpec Null { get; } = new(0, 0, IsNull: true);

    public IReplicatedService Create() => IsNull ? new NullService() : new HashChainService(Objects, ObjectBytes);

    /// <summary>A client's next operation: empty for the null service, else a hash chain of <paramref name="work"/> rounds on a random object.</summary>
    internal byte[] NextOperation(Random random, int work, long salt) => IsNull ? [] : HashChainService.Encode(random.Next(Objects), work, salt);

    /// <summary>The shape of a correct result: empty for the null service, a 32-byte chain head for the hash chain.</summary>
    internal bool IsWellFormed(byte[] result) => result.Length == (IsNull ? 0 : 32);

    internal static ServiceSpec Parse(string[] words, string at)
    {
        if (words.Length == 2 && words[1] == "null")
        {
            return Null;
        }

        if (words.Length < 2 || words[1] != "hash-chain")
        {
            throw new ConfigException($"{at}: expected 'service hash-chain [objects=N] [object-bytes=B]' or 'service null'");
        }

        var objects = 1024;
        var bytes = 64;
        foreach (var word in words.Skip(2))
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = eq > 0 ? (word[..eq], word[(eq + 1)..]) : (word, "");
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                throw new ConfigException($"{at}: '{DeploymentConfig.Printable(word)}' is not objects=N or object-bytes=B");
            }

            switch (key)
            {
                case "objects" when number is >= 1 and <= HashChainService.MaxObjects:
                    objects = number;
                    break;
                case "object-bytes" when number is >= HashChainService.MinObjectBytes and <= HashChainService.MaxObjectBytes:
                    bytes = number;
                    break;
                default:
                    throw new ConfigException($"{at}: '{DeploymentConfig.Printable(word)}' is out of range (objects 1..{HashChainService.MaxObjects}, object-bytes {HashChainService.MinObjectBytes}..{HashChainService.MaxObjectBytes})");
            }
        }

        if ((long)objects * bytes > MaxStateBytes)
        {
            throw new ConfigException($"{at}: {objects} objects of {bytes} bytes is more than {MaxStateBytes} bytes of state");
        }

        return new ServiceSpec(objects, bytes);
    }
}
