using System.Text.Json;

namespace Roost.Hypervisor.Qemu;

/// <summary>
/// What the guest's memory verifier (<c>/bin/memtest</c>, Images/Guest/memtest.c) says of itself. It keeps
/// <see cref="Pages"/> 4 KiB pages, rewriting <see cref="PagesPerSecond"/> of them a second, each page's content derived
/// from (page index, version) and each version also kept in a separate table. A check compares every page with the
/// table: <see cref="Wrong"/> pages failed the last check, split into <see cref="Stale"/> (an older version, whole: a
/// write was lost), <see cref="Ahead"/> (a newer version: the table's write was lost), <see cref="Torn"/> (part one
/// version, part another: the page was copied mid-write and its end state was lost) and <see cref="Garbage"/> (anything
/// else); wrong pages are repaired, <see cref="WrongTotal"/> adds them up over all checks. <see cref="Checks"/> is 0
/// right after start. <see cref="AchievedPagesPerSecond"/> is <see cref="Writes"/> over <see cref="WriteMs"/>, the
/// time spent writing (checks excluded, pauses included).
/// </summary>
public sealed record MemtestReport(
    long Mib,
    long PagesPerSecond,
    long Pages,
    long Checks,
    long Checked,
    long Wrong,
    long Stale,
    long Ahead,
    long Torn,
    long Garbage,
    long WrongTotal,
    long Writes,
    long WriteMs,
    long AchievedPagesPerSecond)
{
    /// <summary>
    /// Reads the <c>memtest</c> object of a reporter acknowledgement. Null unless every field is a non-negative
    /// integer and the counts agree with each other (the line comes from the untrusted guest).
    /// </summary>
    public static MemtestReport? TryParse(JsonElement ack)
    {
        string[] fields = ["mib", "pagesPerSecond", "pages", "checks", "checked", "wrong", "stale", "ahead", "torn", "garbage", "wrongTotal", "writes", "writeMs", "achievedPagesPerSecond"];
        if (ack.ValueKind != JsonValueKind.Object || !ack.TryGetProperty("memtest", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var v = new long[fields.Length];
        for (var i = 0; i < fields.Length; i++)
        {
            if (!body.TryGetProperty(fields[i], out var field) || !GuestReport.TryCount(field, out v[i]))
            {
                return null;
            }
        }

        var report = new MemtestReport(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]);
        var consistent = report.Mib <= 65_536 && report.Pages == report.Mib * 256
            && report.Checked <= report.Pages
            && report.Wrong <= report.Checked
            && report.Stale <= report.Wrong && report.Ahead <= report.Wrong && report.Torn <= report.Wrong && report.Garbage <= report.Wrong
            && report.Stale + report.Ahead + report.Torn + report.Garbage == report.Wrong
            && report.Wrong <= report.WrongTotal;
        return consistent ? report : null;
    }
}
