namespace Roost.Controller.Tests.Store;

/// <summary>
/// Marks a test class whose <see cref="ContractFactAttribute"/> tests run on PostgreSQL: they are reported as skipped,
/// with the reason, when PostgreSQL is absent, instead of passing without checking anything.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;
