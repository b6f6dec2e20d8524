namespace Roost.Hypervisor.Images;

/// <summary>The outcome of <see cref="GuestImageBuilder.BuildAsync(GuestProfile, CancellationToken, GuestPayload?)"/>. Closed set: match on it.</summary>
public abstract record ImageBuildResult
{
    private ImageBuildResult()
    {
    }

    /// <summary>The image is ready; <paramref name="FromCache"/> says nothing had to be built.</summary>
    public sealed record Built(GuestImage Image, bool FromCache) : ImageBuildResult;

    /// <summary>One line saying what failed and where.</summary>
    public sealed record Failed(string Reason) : ImageBuildResult;
}
