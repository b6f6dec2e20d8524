namespace Roost.Core.Sharing;

/// <summary>The outcome of reading a fingerprint file. Closed set: match on it.</summary>
public abstract record FingerprintReadResult
{
    private FingerprintReadResult()
    {
    }

    public sealed record Exact(ExactFingerprint Fingerprint) : FingerprintReadResult;

    public sealed record Bloom(BloomFingerprint Fingerprint) : FingerprintReadResult;

    /// <summary>The bytes are not a usable fingerprint; <paramref name="Reason"/> is one line naming what is wrong.</summary>
    public sealed record Refused(string Reason) : FingerprintReadResult;
}
