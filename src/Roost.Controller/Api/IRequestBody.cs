using System.Diagnostics.CodeAnalysis;

namespace Roost.Controller.Api;

/// <summary>
/// A JSON request body as it arrives (every member nullable, so a missing field is seen as missing, never as 0 or
/// false), with its one validation path: the command it stands for, or every wrong field in the errors.
/// Read by <see cref="RequestBody.ReadAsync"/>.
/// </summary>
public interface IRequestBody<TCommand>
    where TCommand : notnull
{
    /// <summary>The JSON names of the fields <see cref="TryValidate"/> requires (for the OpenAPI document).</summary>
    static abstract IReadOnlyList<string> RequiredFields { get; }

    bool TryValidate(FieldErrors errors, [NotNullWhen(true)] out TCommand? command);
}
