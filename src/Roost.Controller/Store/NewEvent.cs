using System.Globalization;

namespace Roost.Controller.Store;

/// <summary>
/// An event to store: its kind (<c>hotspot</c>, <c>vm</c>, <c>plan</c>, …), the entity it is about by the name the
/// operator sees (<see cref="Host"/>, <see cref="Vm"/>, <see cref="Plan"/>, <see cref="Vpc"/>, <see cref="Site"/>, <see cref="DrVm"/>, or
/// <see cref="Controller"/>), its severity and its message.
/// </summary>
public sealed record NewEvent(string Kind, string Entity, EventSeverity Severity, string Message)
{
    /// <summary>The controller itself (its settings, start, token).</summary>
    public const string Controller = "controller";

    public static string Host(string name) => "host/" + name;

    public static string Vm(string name) => "vm/" + name;

    public static string Plan(long id) => string.Create(CultureInfo.InvariantCulture, $"plan/{id}");

    public static string Vpc(string name) => "vpc/" + name;

    /// <summary>A VM protected at a DR site, by the site's name and the VM's number there: <c>dr/NAME/vm-N</c>.</summary>
    public static string DrVm(string site, int vm) => string.Create(CultureInfo.InvariantCulture, $"dr/{site}/vm-{vm}");

    public static string Site(int site) => string.Create(CultureInfo.InvariantCulture, $"site/{site}");

    public static NewEvent Info(string kind, string entity, string message) => new(kind, entity, EventSeverity.Info, message);

    public static NewEvent Warning(string kind, string entity, string message) => new(kind, entity, EventSeverity.Warning, message);

    public static NewEvent Error(string kind, string entity, string message) => new(kind, entity, EventSeverity.Error, message);
}
