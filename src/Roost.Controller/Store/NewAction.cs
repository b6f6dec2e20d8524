using Roost.Core.Model;

namespace Roost.Controller.Store;

/// <summary>An action of a plan about to be stored.</summary>
public sealed record NewAction(ActionKind Kind, VmId Vm, HostId From, HostId To, ResourceVector Allocation, string Reason);
