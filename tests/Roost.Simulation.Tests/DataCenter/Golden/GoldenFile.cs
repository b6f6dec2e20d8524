using System.Text;

namespace Roost.Simulation.Tests.DataCenter.Golden;

/// <summary>
/// A golden file committed next to this source (tests/Roost.Simulation.Tests/DataCenter/Golden): a test compares what
/// it computes with the file, line by line. With <c>ROOST_UPDATE_GOLDEN=1</c> in the environment the test writes the
/// file instead and passes; <c>update-golden.sh</c> in this folder does that and prints the diff
/// (<c>git diff</c>), so a change to the goldens is always seen before it is committed.
/// </summary>
internal static class GoldenFile
{
    public const string UpdateVariable = "ROOST_UPDATE_GOLDEN";

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>The folder holding the golden files in the source tree (found from the test binaries up to Roost.slnx).</summary>
    public static string Folder => Path.Combine(RepositoryFolder.Root, "tests", "Roost.Simulation.Tests", "DataCenter", "Golden");

    /// <summary>
    /// Asserts that <paramref name="actual"/> equals the golden file <paramref name="name"/> byte for byte, or, when
    /// updating, writes it.
    /// </summary>
    public static void Check(string name, string actual)
    {
        var path = Path.Combine(Folder, name);
        if (Updating)
        {
            File.WriteAllText(path, actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return;
        }

        Assert.True(File.Exists(path), $"{path} is missing: run {UpdateCommand} to create it, then review and commit it");
        var expected = File.ReadAllText(path);
        if (expected != actual)
        {
            Assert.Fail($"{name} differs from what the simulator computes now:\n{LineDiff(expected, actual)}\n"
                + $"If the change is intended, run {UpdateCommand}, review the diff it prints and commit the files.");
        }
    }

    private const string UpdateCommand = "tests/Roost.Simulation.Tests/DataCenter/Golden/update-golden.sh";

    /// <summary>The differing lines (the files hold one value a line in a fixed layout), at most 40.</summary>
    private static string LineDiff(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        var text = new StringBuilder();
        var shown = 0;
        for (var i = 0; i < Math.Max(e.Length, a.Length) && shown < 40; i++)
        {
            var left = i < e.Length ? e[i] : "(none)";
            var right = i < a.Length ? a[i] : "(none)";
            if (left != right)
            {
                text.Append("line ").Append(i + 1).Append(":\n  - ").Append(left).Append("\n  + ").Append(right).Append('\n');
                shown++;
            }
        }

        if (e.Length != a.Length)
        {
            text.Append("(golden ").Append(e.Length).Append(" lines, now ").Append(a.Length).Append(')');
        }

        return text.ToString();
    }
}
