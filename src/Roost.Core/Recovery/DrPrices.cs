using System.Globalization;

namespace Roost.Core.Recovery;

/// <summary>
/// The prices the DR cost model (Wood et al., HotCloud 2010, §3) weighs: a public cloud billed by use, and a
/// dedicated DR site owned (or co-located) and paid for whether or not a disaster happens. Every price is in US
/// dollars; the unit of each is in its name. <see cref="Source"/> says where the preset's numbers come from.
/// </summary>
public sealed record DrPrices
{
    public required string Name { get; init; }

    /// <summary>Where the numbers come from, and which are assumptions rather than quoted list prices.</summary>
    public required string Source { get; init; }

    /// <summary>One cloud instance able to run one of the application's servers, per hour it runs.</summary>
    public required double CloudServerPerHourUsd { get; init; }

    /// <summary>The small instance that runs the replication manager (applies writes) during normal operation.</summary>
    public required double CloudReplicatorPerHourUsd { get; init; }

    /// <summary>Block storage (the warm replica's disks and journal), per GB-month.</summary>
    public required double CloudBlockStoragePerGbMonthUsd { get; init; }

    /// <summary>Object storage (periodic backups), per GB-month.</summary>
    public required double CloudObjectStoragePerGbMonthUsd { get; init; }

    /// <summary>Data into the cloud (the replication stream), per GB.</summary>
    public required double CloudTransferInPerGbUsd { get; init; }

    /// <summary>Data out of the cloud (answers to clients after a failover), per GB.</summary>
    public required double CloudTransferOutPerGbUsd { get; init; }

    /// <summary>Buying one server for the dedicated DR site.</summary>
    public required double SiteServerPurchaseUsd { get; init; }

    /// <summary>Years over which a dedicated server's purchase is written off.</summary>
    public required double SiteServerLifetimeYears { get; init; }

    /// <summary>Rack space, power and cooling for one dedicated server, per month.</summary>
    public required double SiteSpacePowerPerServerMonthUsd { get; init; }

    /// <summary>Dedicated storage (purchase written off plus upkeep), per GB-year.</summary>
    public required double SiteStoragePerGbYearUsd { get; init; }

    /// <summary>The dedicated site's network link, sized for the replication stream and for serving clients after a failover, per month.</summary>
    public required double SiteLinkPerMonthUsd { get; init; }

    /// <summary>
    /// EC2 (US East, Linux, on demand), EBS, S3 and data transfer list prices as they stood in 2010, when the paper
    /// was written; the dedicated site's prices are stated assumptions (the paper's own are not reproduced here).
    /// </summary>
    public static DrPrices List2010 { get; } = new()
    {
        Name = "2010",
        Source = "AWS list prices of 2010 (US East, on demand): m1.large $0.34/h for a server, m1.small $0.085/h for the replicator, "
            + "EBS $0.10/GB-month, S3 $0.15/GB-month (first 50 TB), transfer in $0.10/GB, out $0.15/GB (first 10 TB). "
            + "Dedicated site (assumed): $2,500 server over 3 years, $100/server-month space and power, $1.00/GB-year storage, $300/month link",
        CloudServerPerHourUsd = 0.34,
        CloudReplicatorPerHourUsd = 0.085,
        CloudBlockStoragePerGbMonthUsd = 0.10,
        CloudObjectStoragePerGbMonthUsd = 0.15,
        CloudTransferInPerGbUsd = 0.10,
        CloudTransferOutPerGbUsd = 0.15,
        SiteServerPurchaseUsd = 2_500,
        SiteServerLifetimeYears = 3,
        SiteSpacePowerPerServerMonthUsd = 100,
        SiteStoragePerGbYearUsd = 1.00,
        SiteLinkPerMonthUsd = 300,
    };

    /// <summary>Current on-demand list prices (AWS us-east-1, 2025) and stated assumptions for the dedicated site.</summary>
    public static DrPrices Current { get; } = new()
    {
        Name = "current",
        Source = "AWS list prices of 2025 (us-east-1, on demand): m7i.large $0.1008/h for a server, t3.small $0.0208/h for the replicator, "
            + "EBS gp3 $0.08/GB-month, S3 Standard $0.023/GB-month, transfer in free, out $0.09/GB (first 10 TB). "
            + "Dedicated site (assumed): $5,000 server over 5 years, $150/server-month space and power, $0.30/GB-year storage, $200/month link",
        CloudServerPerHourUsd = 0.1008,
        CloudReplicatorPerHourUsd = 0.0208,
        CloudBlockStoragePerGbMonthUsd = 0.08,
        CloudObjectStoragePerGbMonthUsd = 0.023,
        CloudTransferInPerGbUsd = 0,
        CloudTransferOutPerGbUsd = 0.09,
        SiteServerPurchaseUsd = 5_000,
        SiteServerLifetimeYears = 5,
        SiteSpacePowerPerServerMonthUsd = 150,
        SiteStoragePerGbYearUsd = 0.30,
        SiteLinkPerMonthUsd = 200,
    };

    public static IReadOnlyList<DrPrices> Presets { get; } = [List2010, Current];

    /// <summary>The prices a user may set one by one (<c>--price KEY=VALUE</c>), in the order help lists them.</summary>
    public static IReadOnlyList<DrPriceKey> Keys { get; } =
    [
        new("cloud-server-hour", "USD per instance-hour", p => p.CloudServerPerHourUsd, (p, v) => p with { CloudServerPerHourUsd = v }),
        new("cloud-replicator-hour", "USD per instance-hour", p => p.CloudReplicatorPerHourUsd, (p, v) => p with { CloudReplicatorPerHourUsd = v }),
        new("cloud-block-gb-month", "USD per GB-month", p => p.CloudBlockStoragePerGbMonthUsd, (p, v) => p with { CloudBlockStoragePerGbMonthUsd = v }),
        new("cloud-object-gb-month", "USD per GB-month", p => p.CloudObjectStoragePerGbMonthUsd, (p, v) => p with { CloudObjectStoragePerGbMonthUsd = v }),
        new("cloud-in-gb", "USD per GB", p => p.CloudTransferInPerGbUsd, (p, v) => p with { CloudTransferInPerGbUsd = v }),
        new("cloud-out-gb", "USD per GB", p => p.CloudTransferOutPerGbUsd, (p, v) => p with { CloudTransferOutPerGbUsd = v }),
        new("site-server", "USD per server bought", p => p.SiteServerPurchaseUsd, (p, v) => p with { SiteServerPurchaseUsd = v }),
        new("site-server-years", "years a server is written off over", p => p.SiteServerLifetimeYears, (p, v) => p with { SiteServerLifetimeYears = v }),
        new("site-space-server-month", "USD per server-month", p => p.SiteSpacePowerPerServerMonthUsd, (p, v) => p with { SiteSpacePowerPerServerMonthUsd = v }),
        new("site-storage-gb-year", "USD per GB-year", p => p.SiteStoragePerGbYearUsd, (p, v) => p with { SiteStoragePerGbYearUsd = v }),
        new("site-link-month", "USD per month", p => p.SiteLinkPerMonthUsd, (p, v) => p with { SiteLinkPerMonthUsd = v }),
    ];

    /// <summary>Null when every price is a finite number, not negative (a lifetime above zero), else one line naming the first that is not.</summary>
    public string? Validate()
    {
        foreach (var key in Keys)
        {
            var value = key.Get(this);
            var lowest = key.Key == "site-server-years" ? double.Epsilon : 0;
            if (!double.IsFinite(value) || value < lowest)
            {
                return string.Create(CultureInfo.InvariantCulture, $"price {key.Key} {value} is not a finite number {(lowest > 0 ? "above zero" : "of at least 0")}");
            }
        }

        return null;
    }
}
