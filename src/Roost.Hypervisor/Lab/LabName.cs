using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Roost.Hypervisor.Lab;

/// <summary>
/// The name of a lab: 1 to 10 lowercase letters or digits, starting with a letter. It becomes part of network
/// namespace names (<c>roost-NAME-s1</c>) and may later name interfaces, so it is short enough that NAME plus a
/// five-character suffix stays within Linux's 15-character interface names, and holds nothing a shell or a path
/// could misread.
/// </summary>
public readonly partial record struct LabName
{
    public const int MaxLength = 10;

    private LabName(string value) => Value = value;

    public string Value { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out LabName? name, [NotNullWhen(false)] out string? error)
    {
        if (text is not null && Pattern().IsMatch(text))
        {
            name = new LabName(text);
            error = null;
            return true;
        }

        name = null;
        error = $"'{text}' is not a lab name (1 to {MaxLength} lowercase letters or digits, starting with a letter)";
        return false;
    }

    public static LabName Parse(string text) =>
        TryParse(text, out var name, out var error) ? name.Value : throw new ArgumentException(error, nameof(text));

    public override string ToString() => Value;

    // \z, not $: $ also matches before a final newline, which would put "lab\n" into ip's batch input and paths.
    [GeneratedRegex(@"^[a-z][a-z0-9]{0,9}\z")]
    private static partial Regex Pattern();
}
