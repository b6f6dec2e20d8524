using System.Globalization;

namespace Roost.Controller.Api;

/// <summary>
/// What is wrong with one request, field by field (JSON names as clients send them; <c>body</c> for the body as a
/// whole). Collected by a request type's one validation path, answered as one RFC 7807 400 naming every field (see
/// <see cref="Problems.Invalid"/>). Each check returns the value when it is acceptable and a placeholder otherwise, so a
/// validation reads top to bottom and reports every wrong field at once.
/// </summary>
public sealed class FieldErrors
{
    private readonly List<(string Field, string Message)> _errors = [];

    public bool IsEmpty => _errors.Count == 0;

    public IReadOnlyList<(string Field, string Message)> All => _errors;

    public void Add(string field, string message) => _errors.Add((field, message));

    /// <summary>A required integer in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int WholeNumber(string field, int? value, int min, int max)
    {
        switch (value)
        {
            case null:
                Add(field, Required("an integer"));
                return 0;
            case { } v when v < min || v > max:
                Add(field, string.Create(CultureInfo.InvariantCulture, $"{v} is out of range: must be an integer in {min}..{max}"));
                return 0;
            case { } v:
                return v;
        }
    }

    /// <summary>
    /// An optional integer given as text (a query parameter): decimal digits with an optional sign, in
    /// [<paramref name="min"/>, <paramref name="max"/>]; absent gives <paramref name="fallback"/>. A parameter given twice
    /// arrives joined with a comma and is refused.
    /// </summary>
    public long WholeNumber(string field, string? text, long min, long max, long fallback)
    {
        if (text is null)
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Add(field, string.Create(CultureInfo.InvariantCulture, $"'{Printable(text)}' is not an integer in {min}..{max}"));
            return fallback;
        }

        return value;
    }

    /// <summary>An optional member of <typeparamref name="TEnum"/> given as text; absent gives null.</summary>
    public TEnum? OptionalEnum<TEnum>(string field, string? text)
        where TEnum : struct, Enum => text is null ? null : Enum<TEnum>(field, text);

    /// <summary>A required finite number in (<paramref name="above"/>, <paramref name="max"/>] or, with <paramref name="inclusive"/>, [above, max].</summary>
    public double Number(string field, double? value, double above, double max, bool inclusive = false)
    {
        var range = string.Create(CultureInfo.InvariantCulture, $"{(inclusive ? '[' : '(')}{above}, {max}]");
        switch (value)
        {
            case null:
                Add(field, Required($"a number in {range}"));
                return 0;
            case { } v when !double.IsFinite(v):
                Add(field, $"must be a finite number in {range}");
                return 0;
            case { } v when (inclusive ? v < above : v <= above) || v > max:
                Add(field, string.Create(CultureInfo.InvariantCulture, $"{v} is out of range: must be a number in {range}"));
                return 0;
            case { } v:
                return v;
        }
    }

    public bool Flag(string field, bool? value)
    {
        if (value is not { } v)
        {
            Add(field, Required("true or false"));
            return false;
        }

        return v;
    }

    /// <summary>A required member of <typeparamref name="TEnum"/> by its lower-case name (numbers are not names).</summary>
    public TEnum Enum<TEnum>(string field, string? value)
        where TEnum : struct, Enum
    {
        if (value is null)
        {
            Add(field, Required($"one of {EnumNames<TEnum>()}"));
            return default;
        }

        if (TryParseEnum<TEnum>(value, out var parsed))
        {
            return parsed;
        }

        Add(field, $"'{Printable(value)}' is not one of {EnumNames<TEnum>()}");
        return default;
    }

    /// <summary>An optional name: 1 to <paramref name="maxLength"/> characters, no control characters; null gives <paramref name="fallback"/>.</summary>
    public string Name(string field, string? value, int maxLength, string fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        if (value.Length == 0 || value.Length > maxLength)
        {
            Add(field, string.Create(CultureInfo.InvariantCulture, $"must be 1 to {maxLength} characters (got {value.Length})"));
            return fallback;
        }

        if (value.Any(c => char.IsControl(c) || char.IsSurrogate(c)))
        {
            Add(field, "must not contain control characters or unpaired surrogates");
            return fallback;
        }

        return value;
    }

    /// <summary>Enum names as the API writes them, e.g. <c>manual, automatic</c>.</summary>
    public static string EnumNames<TEnum>()
        where TEnum : struct, Enum => string.Join(", ", System.Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));

    public static bool TryParseEnum<TEnum>(string value, out TEnum parsed)
        where TEnum : struct, Enum
    {
        parsed = default;
        return value.Length > 0 && value.All(char.IsAsciiLetter) && System.Enum.TryParse(value, ignoreCase: true, out parsed) && System.Enum.IsDefined(parsed);
    }

    /// <summary>Input echoed in a message: at most 40 characters, control characters shown as '?'.</summary>
    public static string Printable(string value)
    {
        var shown = value.Length > 40 ? value[..40] + "…" : value;
        return string.Concat(shown.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c));
    }

    private static string Required(string what) => $"required: {what}";
}
