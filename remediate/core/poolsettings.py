"""The settings a new application pool takes from the pool a path runs in today, so that the two differ
only in their identity (identityType, userName, password are never among them).

IIS 7.0 and later: attribute paths of applicationHost.config's applicationPools/add element, dotted as
Set-ItemProperty takes them on IIS:\\AppPools, each with the IIS version that introduced it (Microsoft Learn:
"Adding Application Pools <add>", "Process Model Settings for an Application Pool <processModel>" with its
compatibility table, "Recycling Settings for an Application Pool <recycling>", "Periodic Restart Settings for
Application Pool Recycling <periodicRestart>", and the IIS Settings Schema page "processModel Element for add for
applicationPools", which says logonType came with IIS 7.5). Where the version of an attribute was not found stated,
the later candidate is used: such a setting is then left at its default on the older IIS, not written to a schema
that lacks it.

IIS 6.0: IIsApplicationPool metabase properties for recycling, idle timeout, health, CPU and the process model
("IIsApplicationPool (IIS 6.0)" in the IIS 6.0 metabase property reference).
"""

from __future__ import annotations

from remediate.core.versions import iis_at_least, uses_metabase

# recycling.periodicRestart.schedule is a collection (its <add value="hh:mm:ss"/> entries are copied one by one)
APPLICATION_HOST: tuple[tuple[str, str], ...] = (
    ("managedRuntimeVersion", "7.0"), ("managedPipelineMode", "7.0"), ("enable32BitAppOnWin64", "7.0"),
    ("recycling.disallowOverlappingRotation", "7.0"), ("recycling.disallowRotationOnConfigChange", "7.0"),
    ("recycling.logEventOnRecycle", "7.0"),
    ("recycling.periodicRestart.time", "7.0"), ("recycling.periodicRestart.requests", "7.0"),
    ("recycling.periodicRestart.memory", "7.0"), ("recycling.periodicRestart.privateMemory", "7.0"),
    ("recycling.periodicRestart.schedule", "7.0"),
    ("processModel.idleTimeout", "7.0"), ("processModel.maxProcesses", "7.0"),
    ("processModel.pingingEnabled", "7.0"), ("processModel.pingInterval", "7.0"),
    ("processModel.pingResponseTime", "7.0"), ("processModel.shutdownTimeLimit", "7.0"),
    ("processModel.startupTimeLimit", "7.0"),
    ("processModel.loadUserProfile", "7.5"), ("processModel.logonType", "7.5"),
    ("processModel.manualGroupMembership", "7.5"),
    ("processModel.setProfileEnvironment", "8.0"), ("processModel.logEventOnProcessModel", "8.0"),
    ("processModel.idleTimeoutAction", "8.5"),
)
METABASE: tuple[str, ...] = (
    "PeriodicRestartTime", "PeriodicRestartRequests", "PeriodicRestartSchedule", "PeriodicRestartMemory",
    "PeriodicRestartPrivateMemory", "IdleTimeout", "MaxProcesses", "PingingEnabled", "PingInterval",
    "PingResponseTime", "RapidFailProtection", "RapidFailProtectionInterval", "RapidFailProtectionMaxCrashes",
    "StartupTimeLimit", "ShutdownTimeLimit", "AppPoolQueueLength", "CPULimit", "CPUAction", "CPUResetInterval",
    "DisallowOverlappingRotation", "DisallowRotationOnConfigChange",
)


def copied_pool_settings(iis_version: str) -> tuple[str, ...]:
    """The settings a pool created on this IIS version copies, in the order they are written."""
    if uses_metabase(iis_version):
        return METABASE
    return tuple(name for name, since in APPLICATION_HOST if iis_at_least(iis_version, since))


def copied_pool_settings_summary(iis_version: str) -> str:
    """What the copied settings are, in words and by name, for the plan's reasons and the review."""
    kinds = ("recycling, idle timeout, health, CPU and process model settings" if uses_metabase(iis_version) else
             ".NET CLR version, pipeline mode, 32-bit setting, recycling and process model settings")
    return f"{kinds}: {', '.join(copied_pool_settings(iis_version))}"
