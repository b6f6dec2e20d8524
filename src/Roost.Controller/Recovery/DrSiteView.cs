using Roost.Core.Recovery;

namespace Roost.Controller.Recovery;

/// <summary>
/// What the controller knows of one cloud site: its last status (<see cref="Status"/>, read at <see cref="ReadAt"/>;
/// kept when later reads fail), whether the last poll read a status (<see cref="Reachable"/>; null before the first
/// poll), when it was last tried (<see cref="CheckedAt"/>) and, when the last poll failed, why (<see cref="Problem"/>,
/// one line naming the site).
/// </summary>
public sealed record DrSiteView(
    string Name,
    string Address,
    bool? Reachable,
    DrSiteStatus? Status,
    DateTimeOffset? ReadAt,
    DateTimeOffset? CheckedAt,
    string? Problem);
