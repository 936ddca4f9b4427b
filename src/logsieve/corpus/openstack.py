"""Synthetic templates for the ``openstack`` taxonomy (seed 000's enhanced categories).

Every line looks like nova, neutron, os_vif, oslo or libvirt output: the nova line shape
(optional timestamp and pid, level, logger, ``[req-… …]`` context, ``[instance: uuid]``),
with the loggers that really write each kind of message. Wording is our own.
"""

# One template per line reads best as a table, so long lines are allowed in this file.
# ruff: noqa: E501
# fmt: off

from __future__ import annotations

from .catalog import Catalog, t
from .formats import Genre

_SRC = ("nova-compute", "OpenStack", "nova")


def _nova(*loggers: str, sources: tuple[str, ...] = _SRC) -> Genre:
    return Genre(("nova",), ("nova",), loggers, sources)


MANAGER = _nova("nova.compute.manager")
LIBVIRT = _nova("nova.virt.libvirt.driver")
GUEST = _nova("nova.virt.libvirt.guest", "nova.virt.libvirt.driver")
IMAGECACHE = _nova("nova.virt.libvirt.imagecache", "nova.virt.imagecache")
OSVIF = _nova("os_vif")
CLAIMS = _nova("nova.compute.claims")
TRACKER = _nova("nova.compute.resource_tracker")
REPORT = _nova("nova.scheduler.client.report")
SCHED = _nova(
    "nova.scheduler.filter_scheduler",
    "nova.scheduler.host_manager",
    "nova.scheduler.manager",
    sources=("nova-scheduler", "OpenStack"),
)
FILTERS = _nova(
    "nova.filters",
    "nova.scheduler.filters.ram_filter",
    "nova.scheduler.filters.compute_filter",
    "nova.scheduler.filters.disk_filter",
    sources=("nova-scheduler", "OpenStack"),
)
PRIVSEP = _nova("oslo.privsep.daemon", "oslo_service.service", "nova.service")
PERIODIC = _nova("oslo_service.periodic_task", "nova.compute.manager")
LOOPING = _nova("oslo.service.loopingcall", "oslo_service.loopingcall")
NEUTRON = _nova(
    "neutron.plugins.ml2.drivers.openvswitch.agent.ovs_neutron_agent",
    "neutron.agent.dhcp.agent",
    "neutron.plugins.ml2.managers",
    "neutron.agent.l3.agent",
    "neutron.db.l3_db",
    "neutron.notifiers.nova",
    sources=("neutron", "OpenStack"),
)
NOVANET = _nova("nova.network.neutron", "nova.network.neutronv2.api", "nova.network.os_vif_util")
EXTEVENTS = _nova(
    "nova.api.openstack.compute.server_external_events", sources=("nova-api", "OpenStack")
)
API = _nova(
    "nova.osapi_compute.wsgi.server", "nova.api.openstack.wsgi", sources=("nova-api", "OpenStack")
)
COMPUTE_API = _nova(
    "nova.compute.api", "nova.api.openstack.compute.servers", sources=("nova-api", "OpenStack")
)
CONDUCTOR = _nova(
    "nova.conductor.manager",
    "nova.conductor.api",
    "nova.compute.manager",
    sources=("nova-conductor", "OpenStack"),
)
MESSAGING = _nova(
    "oslo_messaging.rpc.server", "oslo.messaging._drivers.impl_rabbit",
    "oslo_messaging._drivers.amqpdriver", "nova.compute.manager",
)
OVSDB = _nova("ovsdbapp.backend.ovs_idl.vlog", "neutron.agent.ovsdb.native.connection", "os_vif")
KEYSTONE = _nova(
    "keystonemiddleware.auth_token", "keystoneauth1.session", "nova.scheduler.client.report",
    "nova.image.glance", "nova.network.neutron",
)
CONFIG = _nova(
    "oslo_config.cfg", "nova.virt.libvirt.driver", "nova.compute.manager", "nova.service",
    "nova.virt.driver", "nova.conf",
)
VIRT = _nova(
    "nova.virt.libvirt.driver", "nova.virt.libvirt.imagebackend", "nova.virt.disk.api",
    "nova.virt.libvirt.utils", "nova.virt.images", "nova.compute.manager",
)
LIBVIRTD = Genre(
    ("syslog",), ("libvirtd", "qemu-kvm", "dnsmasq-dhcp", "ovs-vswitchd"), (), ("libvirt", "syslog")
)

_I = "[instance: {uuid}] "

System_Operations = [
    # More wordings of host-level work going well, so held-out templates are not all
    # near-copies of trained ones (the head was over-confident on unseen wording).
    t(
        "hypervisor-ops",
        LIBVIRT,
        "I",
        _I
        + "{Attaching {disk|volume|config drive} {word} to guest {instname}|Detached {volume|disk} from domain {instname}|Guest {instname} paused for {snapshot|migration}|Resumed guest {instname} after {snapshot|migration}|Domain {instname} changed state to {running|shut off|paused}|Undefined domain {instname} in libvirt|Rebooting guest {instname} via ACPI|Resized {instpath}/disk to {int:1-200} GB}",
    ),
    t("host-housekeeping", PRIVSEP, "I", "{Cleaned up {int:1-9} orphaned instance directories on {node}|Image cache pass finished in {dec:0-9} s|Refreshed host capabilities of {node}|Synchronized power states of {int:1-60} instances|Host {node} re-enabled after maintenance}"),
    t("creating-image", LIBVIRT, "I", _I + "Creating image{| from base image {basefile}| ({imgfmt})}"),
    t(
        "destroyed",
        LIBVIRT,
        "I",
        _I
        + "{Instance destroyed successfully.|Guest domain destroyed on the hypervisor.|Instance {instname} destroyed on host}",
    ),
    t("deleting-files", LIBVIRT, "I", _I + "{Deleting instance files {instpath}_del|Removing instance directory {instpath}}"),
    t("deletion-complete", LIBVIRT, "I", _I + "{Deletion of {instpath}_del complete|Instance files at {instpath} removed}"),
    t(
        "spawned-driver",
        LIBVIRT,
        "I",
        _I
        + "{Instance spawned successfully.|Guest {instname} is running.|Domain {instname} started on the hypervisor}",
    ),
    t(
        "generate-xml",
        LIBVIRT,
        "ID",
        _I
        + "{Generating guest XML for instance|Guest XML generated, {int:1-16} vCPUs, {int:512-16384} MiB|Domain definition written for {instname}}",
    ),
    t(
        "config-drive",
        LIBVIRT,
        "I",
        _I
        + "{Using config drive|Creating config drive at {instpath}/disk.config|Injecting {metadata|hostname|network info} into config drive}",
    ),
    t("imagecache-check", IMAGECACHE, "I", "image {uuid} at ({basefile}): {checking|in use: on this node {int:1-9} local, 0 on other nodes sharing this instance storage}"),
    t("imagecache-active", IMAGECACHE, "I", "{Active base files: {basefile}|Removable base files: {basefile}|Corrupt base files: none}"),
    t("imagecache-remove", IMAGECACHE, "I", "{Removing base or swap file: {basefile}|Base or swap file too young to remove: {basefile}|Base, swap or ephemeral file too young to remove: {basefile}}"),
    t("imagecache-unknown", IMAGECACHE, "IW", "{Unknown base file: {basefile}|Image cache manager verified {int:1-40} base images}"),
    t("periodic", PERIODIC, "D", "Running periodic task ComputeManager._{heal_instance_info_cache|sync_power_states|cleanup_running_deleted_instances|poll_rebooting_instances|run_image_cache_manager_pass|instance_usage_audit|reclaim_queued_deletes}"),
    t("service-start", PRIVSEP, "I", "{Starting compute node (version {version})|Starting {nova-compute|nova-conductor|nova-scheduler} node (version {version})|Caught SIGTERM, stopping children|Service {nova-compute|nova-scheduler} stopped cleanly}"),
    t("privsep", PRIVSEP, "I", "{privsep daemon starting|Spawned new privsep daemon via rootwrap|privsep process running with uid/gid: 0/0|privsep daemon running as pid {pid}}"),
    t("libvirt-connect", _nova("nova.virt.libvirt.host", "nova.virt.driver"), "I", "{Connecting to libvirt: qemu:///system|Loading compute driver 'libvirt.LibvirtDriver'|Libvirt host capabilities read, {int:2-128} CPUs|Connection to libvirt established}"),
    t("usage-audit", MANAGER, "I", "Running instance usage audit for host {node} from {date} {clock} to {date} {clock}. {int:0-60} instances."),
    t("compute-record", TRACKER, "I", "{Compute_service record updated for {node}:{node}|Compute node record created for {node}:{node} with uuid: {uuid}}"),
    t(
        "snapshot",
        LIBVIRT,
        "I",
        _I
        + "{Beginning {live|cold} snapshot process|Snapshot extracted, beginning image upload|Snapshot image upload complete}",
    ),
    t("conductor-ok", _nova("nova.conductor.api"), "I", "{nova-conductor connection established successfully|Connected to nova-conductor}"),
    t("libvirtd", LIBVIRTD, "I", "{libvirt version: {version}, package: 1ubuntu{int:1-9}|qemu: domain {instname} started|Starting guest {instname}}"),
    t(
        "disk-resize",
        _nova("nova.virt.libvirt.driver", "nova.virt.libvirt.imagebackend"),
        "I",
        _I
        + "{Resizing disk to {int:1-160}G|Converted disk image to {imgfmt}|Cloning image {uuid} into rbd volume}",
    ),
    t(
        "power-off-driver",
        LIBVIRT,
        "I",
        _I
        + "{Instance shutdown successfully after {int:1-60} seconds.|Guest powered off cleanly|Instance rebooted successfully on the hypervisor.}",
    ),
]

Instance_Management = [
    # The taxonomy counts successful API requests about servers as instance management.
    t("api-2xx", API, "I", '{ip} "{GET|POST|DELETE|PUT} /v2{.1|}/{hex:32}/{servers/detail|servers|servers/{uuid}|servers/{uuid}/action|servers/detail?all_tenants=1} HTTP/1.1" status: {200|202|204} len: {int:200-3000} time: {dec:0-2}'),
    t("lifecycle", MANAGER, "I", _I + "VM {Started|Paused|Resumed|Stopped} (Lifecycle Event)"),
    t(
        "pending-task",
        MANAGER,
        "I",
        _I
        + "During sync_power_state the instance has a pending task ({spawning|deleting|powering-off|rebooting|resize_migrating}). Skip.",
    ),
    t(
        "took-seconds",
        MANAGER,
        "I",
        _I
        + "Took {secs} seconds to {spawn the instance on the hypervisor|build instance|destroy the instance on the hypervisor|deallocate network for instance|detach {1|2} volumes for instance}.",
    ),
    t(
        "terminating",
        MANAGER,
        "I",
        _I
        + "{Terminating instance|Deleting instance as its host ({node}) is down|Instance {uuid} deleted by user request}",
    ),
    t("reboot", MANAGER, "I", _I + "{Rebooting instance|Instance rebooted successfully.|Hard rebooting instance}"),
    t(
        "start-stop",
        MANAGER,
        "I",
        _I
        + "{Starting instance...|Stopping instance...|Powering off instance|Powering on instance}",
    ),
    t(
        "pause-suspend",
        MANAGER,
        "I",
        _I
        + "{Pausing|Unpausing|Suspending|Resuming|Shelving|Unshelving|Rescuing|Unrescuing} instance",
    ),
    t(
        "resize",
        MANAGER,
        "I",
        _I
        + "{Resizing instance to flavor {flavor}|Migrating instance to {node} finished successfully.|Confirming resize of instance|Reverting resize}",
    ),
    t(
        "build-start",
        MANAGER,
        "I",
        _I
        + "{Starting instance build on {node}|Attempting to build instance {uuid}|Instance build started}",
    ),
    t(
        "shutdown-by-itself",
        MANAGER,
        "W",
        _I
        + "Instance shutdown by itself. Calling the stop API. Current vm_state: active, current task_state: None, original DB power_state: {int:1-4}, current VM power_state: {int:1-4}",
    ),
    t(
        "power-mismatch",
        MANAGER,
        "I",
        _I
        + "During _sync_instance_power_state the DB power_state ({int:0-4}) does not match the vm_power_state from the hypervisor ({int:0-4}). Updating power_state in the DB to match the hypervisor.",
    ),
    t("sync-counts", MANAGER, "W", "While synchronizing instance power states, found {int:0-90} instances in the database and {int:0-90} instances on the hypervisor."),
    t(
        "already-off",
        MANAGER,
        "I",
        _I
        + "{Instance is already powered off in the hypervisor when stop is called.|Instance is already running; nothing to start.}",
    ),
    t(
        "rebuild",
        MANAGER,
        "I",
        _I
        + "{Rebuilding instance|Instance rebuilt from image {uuid}|Evacuating instance from {node}}",
    ),
    t(
        "soft-delete",
        MANAGER,
        "I",
        _I
        + "{Reclaiming soft-deleted instance|Instance restored from soft delete|Deleting instance as it has been soft-deleted for {int:1-72} hours}",
    ),
    t(
        "volume-attach",
        MANAGER,
        "I",
        _I
        + "{Attaching volume {uuid} to /dev/vd{b|c|d}|Detaching volume {uuid}|Volume {uuid} attached}",
    ),
    t("api-create", COMPUTE_API, "I", "{Going to run {int:1-10} instances...|Creating {int:1-10} instance(s) with flavor {flavor}|Create server request accepted for {uuid}|Delete request for instance {uuid} accepted}"),
    t("lock", MANAGER, "I", _I + "{Locking instance|Unlocking instance|Instance locked by admin}"),
    t(
        "live-migrate",
        MANAGER,
        "I",
        _I
        + "{Live migration to {node} completed|Migrating instance to {node}|Post live migration at destination {node} finished}",
    ),
    t("console", MANAGER, "I", _I + "{Get console output|Getting vnc console|Serial console requested}"),
    t(
        "state-update",
        MANAGER,
        "I",
        _I
        + "{Updating instance to original state: 'active'|Instance vm_state set to {active|stopped|paused|shelved_offloaded}|Task state cleared after {resize|reboot}}",
    ),
]

_VIF = (
    "VIFOpenVSwitch(active={False|True},address={mac},bridge_name='br-int',"
    "has_traffic_filtering=True,id={uuid},network=Network({uuid}),plugin='ovs',"
    "port_profile=VIFPortProfileOpenVSwitch,preserve_on_delete={False|True},"
    "vif_name='tap{hex:11}')"
)

Network_Operations = [
    # Interface events the compute manager logs are network operations all the same.
    t("manager-interface", MANAGER, "I", _I + "{Detaching interface {mac} from instance|Attaching interface {uuid} to instance|Interface {uuid} detached from the instance and removed from the info cache|Refreshing network info cache for interface {uuid} after an external event}"),
    t("vif-plugged", OSVIF, "I", "Successfully plugged vif {VIFOpenVSwitch|VIFBridge|" + _VIF + "}"),
    t("vif-unplugged", OSVIF, "I", "Successfully unplugged vif {VIFOpenVSwitch|VIFBridge|" + _VIF + "}"),
    t(
        "neutron-deleted-iface",
        MANAGER,
        "I",
        _I
        + "Neutron deleted interface {uuid}; detaching it from the instance and deleting it from the info cache",
    ),
    t(
        "vif-event",
        MANAGER,
        "IW",
        _I
        + "{Received event network-vif-plugged-{uuid}|Received unexpected event network-vif-{plugged|unplugged}-{uuid} for instance with vm_state {building|active} and task_state {spawning|None}.}",
    ),
    t("create-event", EXTEVENTS, "I", "Creating event network-vif-{plugged|unplugged|deleted}:{uuid} for instance {uuid}{| on host {node}}"),
    t("port-updated", NEUTRON, "I", "{Port {uuid} updated. Details: {lb}'device': '{uuid}', 'network_id': '{uuid}', 'admin_state_up': True{rb}|Port {uuid} created on network {uuid}|Port {uuid} deleted}"),
    t("port-bound", NEUTRON, "I", "{Bound port {uuid} to host {node}|Binding port {uuid} on host {node} with vif_type ovs|Port {uuid} binding updated for host {node}}"),
    t("dhcp", NEUTRON, "I", "{DHCP configuration for ports [{lb}'{uuid}'{rb}] is completed|Trigger reload_allocations for port {uuid}|Synchronizing state complete|DHCP agent started on {node}}"),
    t(
        "info-cache",
        NOVANET,
        "ID",
        _I
        + "{Updated VIF entry in instance network info cache for port {uuid}.|Updating instance_info_cache with network_info for {int:1-3} ports|Refreshing network info cache for instance}",
    ),
    t("security-group", NEUTRON, "I", "{Security group rule updated [{uuid}]|Refresh firewall rules|Preparing filters for devices {lb}'{uuid}'{rb}|Security group member updated [{uuid}]}"),
    t("floating-ip", NEUTRON, "I", "{Floating IP {ip} associated with port {uuid}|Floating IP {ip} disassociated from port {uuid}|Router {uuid} updated; {int:1-9} floating IPs}"),
    t(
        "plugging-vifs",
        LIBVIRT,
        "ID",
        _I
        + "{Plugging VIFs for instance|Unplugging VIFs before destroying guest|Attaching interface {mac} to instance}",
    ),
    t("ovs-cmd", OVSDB, "D", "{Running cmd (subprocess): ovs-vsctl -- --may-exist add-port br-int tap{hex:11}|Transaction caused no change|AddPortCommand(bridge=br-int, port=tap{hex:11}, may_exist=True) done}"),
    t("dnsmasq", LIBVIRTD, "I", "DHCP{ACK|OFFER|REQUEST}(tap{hex:11}) {ip} {mac} host-{int:1-254}"),
    t(
        "heal-cache",
        PERIODIC,
        "D",
        _I
        + "{Updated the network info_cache for instance|Didn't find any instances for network info cache update.}",
    ),
    t("router-iface", NEUTRON, "I", "{Router {uuid} added interface {uuid}|Router {uuid} removed interface {uuid}|Finished router update for {uuid}}"),
    t("port-release", NOVANET, "I", _I + "{Releasing port {uuid}|Deleted port {uuid} for instance|Unbinding port {uuid}}"),
    t("agent-sync", NEUTRON, "I", "{Configuration for devices up [{lb}'{uuid}'{rb}] and devices down [] completed.|Agent out of sync with plugin!|port {uuid} moved to ACTIVE}"),
    t(
        "allocate-network",
        NOVANET,
        "ID",
        _I
        + "{Allocating IP information in the background.|allocate_for_instance() finished, {int:1-3} ports|Successfully created port: {uuid}}",
    ),
    t("neutron-notify", NEUTRON, "I", "{Nova event response: {lb}'name': 'network-vif-plugged', 'server_uuid': '{uuid}', 'status': 'completed', 'code': 200{rb}|Sending events to nova: network-vif-{plugged|deleted}}"),
]

Resource_Management = [
    # The compute host's own accounting (claims, resource tracker); the placement report
    # client's lines are Scheduler_Operations (its logger is the scheduler's).
    t("claim-ephemeral", CLAIMS, "I", _I + "{Total ephemeral disk: {int:0-400} GB, used: {dec:0-200} GB|Claim of {int:1-16} vCPUs, {int:512-32768} MB and {int:1-200} GB accepted on {node}|NUMA topology claim successful on cell {int:0-3}}"),
    t("tracker-update", TRACKER, "ID", "{Compute node {node} usage updated: vcpus {int:0-64}/{int:2-128}, memory {int:512-64000}/{int:4000-512000} MB|Instance {uuid} usage recorded on {node}: {int:1-16} VCPU, {int:512-16384} MB RAM|Updating usage for instance {uuid} after {resize|rebuild|unshelve}}"),
    t("claim-abort-ok", CLAIMS, "I", _I + "{Aborting claim: memory {int:512-32768} MB, disk {int:1-200} GB, vcpus {int:1-16} returned to the pool|Claim released on {node} after build was cancelled}"),
    t("resources-reserved", TRACKER, "I", "{Reserved {int:256-8192} MB RAM and {int:0-4} vCPUs for the host on {node}|Host {node} has {int:0-500000} MB RAM, {int:0-4000} GB disk and {int:0-128} vCPUs free after audit|Periodic resource audit of {node} finished in {secs} seconds}"),
    t("claim-ok", CLAIMS, "I", _I + "Claim successful{| on node {node}}"),
    t(
        "attempt-claim",
        CLAIMS,
        "I",
        _I
        + "Attempting claim{| on node {node}}: memory {int:512-32768} MB, disk {int:1-200} GB, vcpus {int:1-16} CPU",
    ),
    t(
        "claim-memory",
        CLAIMS,
        "I",
        _I
        + "{Total memory: {int:4000-512000} MB, used: {dec:512-64000} MB|memory limit: {dec:4000-700000} MB, free: {dec:1000-600000} MB|memory limit not specified, defaulting to unlimited}",
    ),
    t(
        "claim-disk",
        CLAIMS,
        "I",
        _I
        + "{Total disk: {int:20-4000} GB, used: {dec:0-900} GB|disk limit not specified, defaulting to unlimited|disk limit: {dec:20-4000} GB, free: {dec:1-3000} GB}",
    ),
    t(
        "claim-vcpu",
        CLAIMS,
        "I",
        _I
        + "{Total vcpu: {int:2-128} VCPU, used: {dec:0-64} VCPU|vcpu limit not specified, defaulting to unlimited|vcpu limit: {dec:2-256} VCPU, free: {dec:1-200} VCPU}",
    ),
    t("audit", TRACKER, "I", "{Auditing locally available compute resources for {node}|Auditing locally available compute resources for node {node}}"),
    t("final-view", TRACKER, "I", "Final resource view: name={node} phys_ram={int:4000-512000}MB used_ram={int:512-64000}MB phys_disk={int:20-4000}GB used_disk={int:0-900}GB total_vcpus={int:2-128} used_vcpus={int:0-64} pci_stats=[]"),
    t("usable-vcpus", TRACKER, "I", "Total usable vcpus: {int:2-128}, total allocated vcpus: {int:0-64}"),
    t("orphan-alloc", TRACKER, "IW", "Instance {uuid} has allocations against this compute host but is not found in the database."),
    t("heal-skip", TRACKER, "W", "Instance {uuid} is not being actively managed by this compute host but has allocations referencing this compute host: {lb}'resources': {lb}'DISK_GB': {int:1-80}, 'MEMORY_MB': {int:512-16384}, 'VCPU': {int:1-8}{rb}{rb}. Skipping heal of allocation because we do not know what to do."),
    t("quota-usage", _nova("nova.quota", "nova.compute.api"), "D", "Quota usage for project {hex:32}: instances={int:0-10}/{int:10-50}, cores={int:0-40}/{int:40-200}, ram={int:0-51200}/{int:51200-204800}"),
    t("free-view", TRACKER, "D", "Hypervisor/Node resource view: name={node} free_ram={int:100-500000}MB free_disk={int:1-4000}GB free_vcpus={int:0-128} pci_devices=None"),
    t("migration-usage", TRACKER, "I", "{Updating resource usage from migration {uuid}|Migration {uuid} is active on this compute host and has allocations in placement|Dropping usage of migration {uuid}}"),
    t("ratios", TRACKER, "D", "{Using cpu_allocation_ratio {dec:1-16} and ram_allocation_ratio {dec:1-2} for node {node}|Reserved host memory {int:256-4096} MB and reserved disk {int:0-10240} MB}"),
    t(
        "released",
        TRACKER,
        "I",
        _I
        + "{Released resources: {int:1-8} vCPU, {int:512-16384} MB RAM, {int:1-80} GB disk|Resource usage updated after instance deletion}",
    ),
    t("pci", TRACKER, "I", "{PCI device tracker: {int:0-8} devices free on {node}|Updated pci device pool on {node}}"),
    t("quota-ok", COMPUTE_API, "D", "{Quota check passed for project {hex:32}: {int:1-5} instances requested|Reserved quota for {int:1-8} cores and {int:512-16384} MB RAM}"),
]

Scheduler_Operations = [
    t("deleted-allocation", REPORT, "I", "{Deleted allocation for instance {uuid}|Deleted allocations for instance {uuid}|Removed allocation of consumer {uuid} from provider {uuid}}"),
    t("inventory", REPORT, "ID", "{Updated inventory for provider {uuid} with generation {int:1-900} in Placement|Inventory has not changed for provider {uuid} based on inventory data|Updating ProviderTree inventory for provider {uuid} from _refresh_and_get_inventory}"),
    t("generation", REPORT, "D", "Updating resource provider {uuid} generation from {int:1-900} to {int:1-900} during operation: update_inventory"),
    t("alloc-created", REPORT, "D", "{Allocation for consumer {uuid} written: VCPU={int:1-8}, MEMORY_MB={int:512-16384}, DISK_GB={int:1-80}|Claimed resources in placement for instance {uuid}}"),
    t("filter-returned", FILTERS, "D", "Filter {RamFilter|ComputeFilter|AvailabilityZoneFilter|ComputeCapabilitiesFilter|ImagePropertiesFilter|ServerGroupAntiAffinityFilter|DiskFilter|RetryFilter} returned {int:1-40} host(s)"),
    t("starting-hosts", FILTERS, "D", "{Starting with {int:1-60} host(s)|Filter results: {int:1-40} of {int:1-60} hosts passed}"),
    t("weighed", SCHED, "D", "Weighed [WeighedHost [host: ({node}, {node}) ram: {int:1000-500000}MB disk: {int:1000-900000}MB io_ops: {int:0-9} instances: {int:0-40}]]"),
    t("selected", SCHED, "ID", "{Selected host: WeighedHost [host: ({node}, {node}) ram: {int:1000-500000}MB disk: {int:1000-900000}MB io_ops: 0 instances: {int:0-40}]|Selected destination {node} for instance {uuid}|Chose host {node} for instance {uuid}}"),
    t("start-schedule", SCHED, "D", "{Starting to schedule for instances: ['{uuid}']|Scheduling {int:1-5} instance(s) with flavor {flavor}|Select destinations request for {int:1-5} instance(s)}"),
    t("claim-placement", SCHED, "D", "Attempting to claim resources in the placement API for instance {uuid}"),
    t("host-fails", FILTERS, "D", "{Host {node} fails {RAM|disk|vCPU} requirement: has {int:0-4000} {MB|GB} usable, required {int:512-16384}|({node}, {node}) ram: {int:0-4000}MB disk: {int:0-9000}MB io_ops: 0 instances: {int:0-40} fails {image|availability zone|affinity} properties}"),
    t("sync-ok", SCHED, "I", "{Successfully synced instances from host '{node}'.|The instance sync for host '{node}' did not match. Re-created its InstanceList.|Received a sync request from an unknown host '{node}'. Re-created its InstanceList.}"),
    t("cells", SCHED, "D", "{Getting compute nodes and services for cell {uuid}|Found {int:1-4} cells: [{uuid}]|Refreshing host state for {int:1-60} compute nodes}"),
    t("alloc-candidates", REPORT, "D", "{Got {int:1-60} allocation candidates from placement|GET /allocation_candidates returned {int:1-60} candidates for request {uuid}|Requesting allocation candidates with resources VCPU:{int:1-8},MEMORY_MB:{int:512-16384}}"),
    t("weighers", SCHED, "D", "{Weighing {int:1-40} hosts with RAMWeigher, CPUWeigher, DiskWeigher|Weigher {RAMWeigher|CPUWeigher|MetricsWeigher} multiplier {dec:0-2}}"),
    t("host-state", SCHED, "D", "{Update host state from compute node: ComputeNode(host='{node}', free_ram_mb={int:100-500000})|Update host state with instances: [{uuid}]|Host state for {node} refreshed}"),
    t("passes-all", FILTERS, "D", "{Host {node} passes all filters|Filter {RamFilter|ComputeFilter} accepted host {node}}"),
    t("alternates", SCHED, "D", "{Alternates for instance {uuid}: [{node}, {node}]|Retry build on alternate host {node} for instance {uuid}}"),
    t("request-spec", SCHED, "D", "{Request spec for instance {uuid}: num_instances={int:1-5}, flavor={flavor}|Scheduling with image {uuid} and flavor {flavor}}"),
    t("scheduler-report", REPORT, "I", "{Scheduler report client refreshing provider tree for {uuid}|Refreshing aggregate associations for resource provider {uuid}, aggregates: None|Refreshing trait associations for resource provider {uuid}}"),
    t("manager-select", _nova("nova.scheduler.manager", "nova.conductor.manager"), "I", "{Scheduler selected {int:1-5} destination(s) in {secs} seconds|select_destinations returned host {node}|Scheduling request {uuid} handled}"),
    t("affinity", FILTERS, "D", "{Group anti-affinity: host {node} already hosts a group member|Server group {uuid} policy {affinity|anti-affinity} applied}"),
    t("aggregate", SCHED, "D", "{Host {node} is in aggregate {word} with metadata {lb}'ssd': 'true'{rb}|AggregateInstanceExtraSpecsFilter matched host {node}}"),
    t("weighted-host", SCHED, "D", "{Weighed host {node} score {dec:0-10}|Top weighed host: {node}}"),
]

Boot_Timeout_Errors = [
    t("guest-agent-timeout", GUEST, "W", _I + "{QEMU guest agent did not respond within {int:30-600} seconds after boot|Guest {instname} still booting after {int:120-1800} s; giving up on it}"),
    t("build-timeout-periodic", MANAGER, "E", _I + "{Instance exceeded build timeout of {int:300-3600} seconds and was set to ERROR|Build timed out for instance on {node}: spawning took more than {int:300-3600} seconds}"),
    t("boot-failed-guest", LIBVIRT, "E", _I + "{Instance failed to boot: guest stopped responding during boot|Guest {instname} crashed while booting; instance set to ERROR|Boot from volume {uuid} failed: guest never reached the bootloader}"),
    # ... and a guest the hypervisor could not start as a boot failure (taxonomy description).
    t(
        "libvirt-crash",
        LIBVIRT,
        "E",
        _I
        + "{Failed to start libvirt guest: libvirt.libvirtError: internal error: qemu unexpectedly closed the monitor|Instance failed to spawn: libvirt.libvirtError: Domain not found: no domain with matching uuid '{uuid}'|Failed to build and run instance: libvirt.libvirtError: Requested operation is not valid: domain is not running}",
    ),
    t("outlasted", LOOPING, "W", "Function 'nova.virt.libvirt.driver.LibvirtDriver.{spawn.<locals>._wait_for_boot|_wait_for_boot}' run outlasted interval by {dec:0-60} sec"),
    t(
        "build-timed-out",
        MANAGER,
        "E",
        _I
        + "{Instance build timed out. Set to error state.|Build of instance timed out after {int:300-3600} seconds|Instance stuck in BUILD state for {int:10-120} minutes}",
    ),
    t(
        "guest-not-started",
        GUEST,
        "E",
        _I
        + "{Guest {instname} did not start within {int:30-600} seconds|Timed out waiting for domain {instname} to become active|Hypervisor did not report guest running after {int:30-600}s}",
    ),
    t(
        "spawn-timeout",
        MANAGER,
        "E",
        _I
        + "{Instance failed to spawn: eventlet.timeout.Timeout: {int:300-600} seconds|Spawn exceeded the {int:300-900}s deadline; giving up|Instance has been spawning for {int:300-3600} seconds}",
    ),
    t(
        "volume-wait",
        MANAGER,
        "E",
        _I
        + "{Instance failed block device setup: Volume {uuid} did not finish being created even after we waited {int:30-300} seconds or {int:10-180} attempts.|Volume {uuid} did not become available in time for boot|Timed out waiting for volume {uuid} to attach during boot}",
    ),
    t(
        "boot-abort-timeout",
        MANAGER,
        "E",
        _I
        + "Build of instance {uuid} aborted: {Timeout while waiting for the guest to boot|Timed out waiting for the instance to become ACTIVE|boot deadline exceeded}",
    ),
    t(
        "console-wait",
        LIBVIRT,
        "W",
        _I
        + "{Guest has not produced console output for {int:60-900} seconds during boot|Boot progress stalled: no login prompt after {int:60-900}s}",
    ),
    t("looping-boot", LOOPING, "W", "{Dynamic interval looping call 'nova.virt.libvirt.driver._wait_for_boot' sleeping for {dec:0-5} seconds|Fixed interval looping call '_wait_for_boot' took longer than expected}"),
    t(
        "deadline",
        MANAGER,
        "E",
        _I
        + "{Instance did not reach ACTIVE within {int:300-900} seconds|Timed out waiting for instance to reach ACTIVE state|Instance remained in spawning task state past build_timeout}",
    ),
    t("libvirt-start-timeout", GUEST, "E", "{Timed out during operation: cannot acquire state change lock (held by remoteDispatchDomainCreate)|Timeout waiting for qemu monitor of {instname} to come up}"),
    t("periodic-build-check", PERIODIC, "W", "{Found {int:1-9} instances stuck in building for more than {int:10-120} minutes|_check_instance_build_time: instance {uuid} exceeded build timeout}"),
    t(
        "cloud-init-timeout",
        LIBVIRT,
        "W",
        _I
        + "{Metadata service not contacted by guest within {int:120-900}s of boot|Instance boot not confirmed by guest agent after {int:60-600} seconds}",
    ),
    t(
        "reboot-timeout",
        MANAGER,
        "E",
        _I
        + "{Instance did not come back after reboot within {int:60-600} seconds|Hard reboot timed out waiting for the guest to start}",
    ),
    t(
        "rescue-timeout",
        LIBVIRT,
        "E",
        _I
        + "{Rescue image boot timed out after {int:60-600} seconds|Guest failed to boot from rescue disk in time}",
    ),
    t(
        "bdm-timeout",
        _nova("nova.virt.block_device", "nova.compute.manager"),
        "E",
        _I
        + "{Waited {int:60-600} seconds for volume {uuid} to become available, giving up|Boot volume {uuid} still in 'creating' after {int:10-180} attempts}",
    ),
    t(
        "migration-boot",
        MANAGER,
        "E",
        _I
        + "{Instance did not boot on destination {node} in time|Unshelve timed out waiting for guest to start}",
    ),
    t(
        "spawn-stuck",
        MANAGER,
        "W",
        _I
        + "{Spawning has taken {int:300-3600} seconds so far|Instance still building after {int:10-90} minutes; check neutron and libvirt}",
    ),
]

Network_Connection_Errors = [
    t("vif-plug-never", _nova("nova.compute.manager", "nova.virt.libvirt.driver", "os_vif"), "EW", _I + "{Neutron never reported port {uuid} as plugged; vif_plugging_is_fatal is True|Failed to plug vif {VIFOpenVSwitch|VIFBridge}: ovs-vsctl timed out after {int:5-120} seconds|Port {uuid} did not become ACTIVE; network-vif-plugged not received from neutron}"),
    t(
        "vif-timeout",
        LIBVIRT,
        "WE",
        _I
        + "Timeout waiting for [('network-vif-plugged', '{uuid}')] for instance with vm_state building and task_state spawning.{: eventlet.timeout.Timeout: {int:300-600} seconds|}",
    ),
    t(
        "vif-callback",
        LIBVIRT,
        "E",
        _I
        + "{Timed out waiting for vif plugging callback|No network-vif-plugged event received within vif_plugging_timeout ({int:60-600}s)|Neutron did not report VIF ready before the boot deadline}",
    ),
    t(
        "event-timeout",
        _nova("nova.compute.manager", "nova.virt.libvirt.driver"),
        "E",
        _I
        + "{Timeout waiting for external events [network-vif-plugged] from neutron|Waiting for network-vif-plugged events timed out; vif_plugging_is_fatal is True}",
    ),
    t(
        "vif-create-failed",
        MANAGER,
        "E",
        _I
        + "{Failed to allocate network(s): nova.exception.VirtualInterfaceCreateException: Virtual Interface creation failed|Instance failed to spawn: nova.exception.VirtualInterfaceCreateException: Virtual Interface creation failed}",
    ),
    t(
        "build-aborted-network",
        MANAGER,
        "E",
        _I
        + "Build of instance {uuid} aborted: Failed to allocate the network(s), not rescheduling.{: nova.exception.BuildAbortException: Build of instance {uuid} aborted: Failed to allocate the network(s), not rescheduling.|}",
    ),
    t("neutron-connect", NOVANET, "E", "{Unable to connect to Neutron: ConnectFailure|Connection to neutron failed: Unable to establish connection to http://{ip}:9696/v2.0/ports|neutronclient.common.exceptions.ConnectionFailed: Connection to neutron failed: [Errno 111] ECONNREFUSED}"),
    t("ovsdb-broken", OVSDB, "WE", "tcp:{ip}:6640: {send error: Broken pipe|connection dropped (Broken pipe)|connection attempt failed (Connection refused)|error parsing stream}"),
    t("amqp-unreachable", MESSAGING, "E", "AMQP server on {ip}:5672 is unreachable: [Errno {111|113}] {ECONNREFUSED|EHOSTUNREACH}. Trying again in {int:1-32} seconds."),
    t("connect-timeout", KEYSTONE, "E", "{Connection to {ip} timed out. (connect timeout={int:5-60})|ConnectTimeout: Request to http://{ip}:{9696|8778|9292|5000}/ timed out|Unable to establish connection to http://{ip}:{port}: timed out}"),
    t("no-route", NOVANET, "E", "{[Errno 113] No route to host: {ip}|Host {ip} unreachable|Network is unreachable while contacting {ip}:{port}}"),
    t(
        "binding-failed",
        MANAGER,
        "E",
        _I
        + "{Binding failed for port {uuid}, please check neutron logs for more information.|PortBindingFailed: binding for port {uuid} on host {node} failed}",
    ),
    t("dns", KEYSTONE, "E", "{socket.gaierror: [Errno -2] Name or service not known: '{host}'|DNS lookup failed for {host}.openstack.local|Temporary failure in name resolution}"),
    t("reset", MESSAGING, "E", "{Socket error: [Errno 104] Connection reset by peer|[Errno 32] Broken pipe while writing to {ip}:{port}|Connection closed unexpectedly by {ip}}"),
    t(
        "no-ips",
        MANAGER,
        "E",
        _I
        + "{Failed to allocate network(s): IpAddressGenerationFailure: No more IP addresses available on network {uuid}.|Instance failed network setup: NoMoreFixedIps|Unable to bind a fixed IP on network {uuid}}",
    ),
    t("ovs-db", OVSDB, "E", "{unix:/var/run/openvswitch/db.sock: database connection failed (Connection refused)|Could not connect to the OVSDB server at tcp:{ip}:6640|ovs-vsctl: timeout waiting for ovsdb}"),
    t("max-retries", KEYSTONE, "E", "HTTPConnectionPool(host='{ip}', port={9696|8774|8778}): Max retries exceeded with url: /v2.0/{ports|networks|floatingips} (Caused by NewConnectionError: Failed to establish a new connection: [Errno {111|113}] {Connection refused|No route to host})"),
    t("memcache", _nova("oslo_cache.core", "keystonemiddleware.auth_token", "nova.cache_utils"), "W", "{Error connecting to memcached {ip}:11211: timed out|Unable to reach memcache server {ip}:11211; marking it dead}"),
    t("dhcp-bind", LIBVIRTD, "E", "{failed to bind DHCP server socket: Address already in use|failed to create listening socket for {ip}: Cannot assign requested address}"),
    t(
        "network-not-found",
        NOVANET,
        "E",
        _I
        + "{Network {uuid} could not be found.|Failed to set up network for instance: network {uuid} is unreachable}",
    ),
    t("vif-plug-failed", OSVIF, "E", "{Failed to plug vif VIFOpenVSwitch: Unable to connect to br-int|Failed to unplug vif tap{hex:11}: connection to ovsdb lost}"),
    t("metadata-unreachable", NEUTRON, "E", "{Unable to reach metadata proxy at {ip}:8775|Failed to connect to nova metadata at {ip}:8775: [Errno 111] Connection refused}"),
    t(
        "migration-net",
        LIBVIRT,
        "E",
        _I
        + "{Live migration failed: unable to connect to server at '{node}:16509': Connection refused|Cannot reach destination {node}: No route to host}",
    ),
    t("keepalive", NEUTRON, "W", "{Lost connection to neutron server; retrying in {int:1-30} seconds|Agent heartbeat failed: [Errno 110] Connection timed out}"),
]

Resource_Allocation_Errors = [
    t(
        "capacity-wording",
        CLAIMS,
        "EW",
        _I
        + "{Not enough {RAM|vCPUs|disk space|memory} on {node} to build the instance|Host {node} is full: {int:0-2} vCPUs left|Cannot fit flavor {flavor} on any host|Request for {int:2-64} vCPUs could not be satisfied|Out of capacity for flavor {flavor} in this cell|Resource claim denied: requested {int:1024-32768} MB RAM, {int:0-900} MB free}",
    ),
    t("no-valid-host", CONDUCTOR, "E", "{Failed to schedule instances: NoValidHost: No valid host was found. There are not enough hosts available.|NoValidHost_Remote: No valid host was found.|Setting instance to ERROR state.: nova.exception.NoValidHost: No valid host was found.}"),
    t(
        "insufficient-mem",
        CLAIMS,
        "E",
        _I
        + "{Insufficient compute resources: Free memory {dec:0-900} MB < requested {int:1024-32768} MB.|Claim failed: not enough memory on node {node}}",
    ),
    t(
        "insufficient-disk",
        CLAIMS,
        "E",
        _I
        + "{Insufficient compute resources: Free disk {int:0-20} GB < requested {int:20-200} GB.|Insufficient free vcpus: {int:0-2} < requested {int:4-32}}",
    ),
    t(
        "claim-failed",
        MANAGER,
        "E",
        _I
        + "{Failed to claim resources for instance: ComputeResourcesUnavailable|Build of instance {uuid} was re-scheduled: Insufficient compute resources|Rescheduling: Insufficient compute resources}",
    ),
    t("quota", COMPUTE_API, "W", "{Quota exceeded for {cores|ram|instances}: Requested {int:1-64}, but already used {int:1-64} of {int:10-100} {cores|ram|instances}|TooManyInstances: Quota exceeded for instances: Requested {int:1-9}, but already used {int:10-50} of {int:10-50} instances|Over quota: project {hex:32} requested {int:1-20} instances}"),
    t("placement-409", REPORT, "E", "{Unable to submit allocation for instance {uuid} (409 Conflict): Unable to allocate inventory: Unable to create allocation for 'VCPU' on resource provider '{uuid}'. The requested amount would exceed the capacity.|Placement refused allocation for consumer {uuid}: exceeds capacity of MEMORY_MB}"),
    t("filtered-all", FILTERS, "I", "{Filtering removed all hosts for the request with instance ID '{uuid}'. Filter results: ['RamFilter: (start: {int:1-40}, end: 0)']|Filter {RamFilter|DiskFilter|CoreFilter} returned 0 hosts}"),
    t("exhausted", CONDUCTOR, "E", "{Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance {uuid}.|MaxRetriesExceeded: no more alternate hosts for instance {uuid}}"),
    t(
        "pci",
        CLAIMS,
        "E",
        _I
        + "{PCI device request failed: no PCI devices available on {node}|PciDeviceRequestFailed: PCI device request [{lb}'alias': 'gpu'{rb}] failed}",
    ),
    t(
        "numa",
        CLAIMS,
        "E",
        _I
        + "{Requested instance NUMA topology cannot fit the given host NUMA topology|Insufficient hugepages on host {node} for NUMA cell {int:0-3}}",
    ),
    t(
        "cannot-allocate",
        LIBVIRT,
        "E",
        _I
        + "{libvirtError: internal error: qemu failed to allocate {int:1024-65536} MiB: Cannot allocate memory|Failed to start guest: Cannot allocate memory}",
    ),
    t("provider-capacity", REPORT, "W", "{Resource provider {uuid} has insufficient capacity for {MEMORY_MB|VCPU|DISK_GB}|Allocation candidates request returned no results for VCPU:{int:4-64}}"),
    t("allocation-ratio", TRACKER, "E", "{Requested {int:2-64} VCPU exceeds allocation ratio limit on {node}|Cannot allocate {int:2-64} vCPUs: only {int:0-2} free on {node}}"),
    t(
        "resize-no-room",
        MANAGER,
        "E",
        _I
        + "{Resize failed: no host has room for flavor {flavor}|Migration pre-check error: not enough resources on {node}}",
    ),
    t("alloc-write-failed", REPORT, "E", '{Failed to save allocation for {uuid}. Got HTTP 409: {lb}"errors": [{lb}"code": "placement.undefined_code"{rb}]{rb}|Unable to write allocations for instance {uuid}: Inventory changed while attempting to allocate}'),
    t("ip-quota", COMPUTE_API, "W", "{Quota exceeded for resources: ['floatingip']|Maximum number of ports exceeded for project {hex:32}|Volume quota exceeded for project {hex:32}: requested {int:1-500}G}"),
    t("no-hosts-avail", SCHED, "W", "{Got no allocation candidates from the Placement API. This could be due to insufficient resources or a temporary occurrence as compute nodes start up.|There are not enough hosts available.}"),
    t(
        "gpu",
        CLAIMS,
        "E",
        _I
        + "{Insufficient VGPU resources on {node}|No free mediated devices for requested vGPU type}",
    ),
    t("disk-overcommit", TRACKER, "W", "{Disk overcommit reached on {node}: {int:100-900}% of capacity allocated|Host {node} has no free disk for new instances}"),
    t(
        "reschedule-none",
        MANAGER,
        "E",
        _I
        + "{Build of instance {uuid} aborted: No valid host found for cold migrate|Instance could not be rescheduled: no capacity left in cell}",
    ),
]

File_System_Errors = [
    t(
        "no-such-file",
        VIRT,
        "E",
        _I
        + "{[Errno 2] No such file or directory: '{instpath}/disk'|No such file or directory: '{instpath}/console.log'|FileNotFoundError: [Errno 2] No such file or directory: '{basefile}'}",
    ),
    t(
        "permission",
        VIRT,
        "E",
        _I
        + "{[Errno 13] Permission denied: '{instpath}/{disk|console.log|disk.info}'|Permission denied writing {instpath}/disk.config|Cannot access storage file '{instpath}/disk' (as uid:107, gid:107): Permission denied}",
    ),
    t(
        "no-space",
        VIRT,
        "E",
        _I
        + "{[Errno 28] No space left on device: '{instpath}'|Failed to write image: No space left on device|qemu-img: error while writing sector {int}: No space left on device}",
    ),
    t("image-invalid", VIRT, "E", "{qemu-img: Could not open '{basefile}': Image is not in {qcow2|raw} format|Disk image {basefile} is corrupt|Image {uuid} is unacceptable: invalid disk format}"),
    t("no-disk-at", LIBVIRT, "W", "Periodic task is updating the host stats, it is trying to get disk info for {instname}, but the backing disk storage was removed by a concurrent operation such as resize. Error: No disk at {instpath}/disk"),
    t("missing-base", IMAGECACHE, "E", "{Base image {basefile} is missing|Cannot find base file {basefile} for instance {uuid}|Backing file {basefile} not found}"),
    t(
        "io-error",
        VIRT,
        "E",
        _I
        + "{I/O error on {instpath}/disk: [Errno 5] Input/output error|Disk {instpath}/disk reported I/O error, guest paused|qemu: block I/O error in device 'drive-virtio-disk0': Input/output error}",
    ),
    t(
        "delete-failed",
        LIBVIRT,
        "E",
        _I
        + "{Failed to delete instance files {instpath}_del: [Errno 39] Directory not empty|Could not remove {instpath}: Device or resource busy}",
    ),
    t("read-only", VIRT, "E", "{[Errno 30] Read-only file system: '{instpath}'|Instances path /var/lib/nova/instances is mounted read-only}"),
    t("convert-failed", VIRT, "E", "{qemu-img convert -O {imgfmt} failed: Unexpected error while running command. Exit code: 1|Image conversion to {imgfmt} failed for {uuid}}"),
    t(
        "instance-disk-missing",
        LIBVIRT,
        "E",
        _I
        + "{Instance disk not found at {instpath}/disk|Disk file for {instname} is missing|Unable to find disk.info at {instpath}}",
    ),
    t(
        "config-drive-fail",
        LIBVIRT,
        "E",
        _I
        + "{Creating config drive failed with error: genisoimage returned 1|Failed to write config drive ISO to {instpath}/disk.config}",
    ),
    t("mkdir", VIRT, "E", "{Failed to create directory {instpath}: [Errno 13] Permission denied|Cannot create instance directory {instpath}: File exists}"),
    t("fsync", VIRT, "E", "{fsync failed on {instpath}/disk: [Errno 5] Input/output error|Error flushing writes to {basefile}}"),
    t("checksum", IMAGECACHE, "E", "{image {uuid} at ({basefile}): warning -- an absent base file is in use!|Checksum mismatch for base file {basefile}; removing corrupt copy}"),
    t("nfs-mount", VIRT, "E", "{Failed to mount NFS share {ip}:/exports/nova: mount.nfs: access denied by server|Stale file handle on /var/lib/nova/instances}"),
    t("quota-disk", VIRT, "E", "{Disk quota exceeded writing {instpath}/disk|EDQUOT: Disk quota exceeded on {instpath}}"),
    t(
        "libvirt-storage",
        GUEST,
        "E",
        _I
        + "libvirtError: Cannot access storage file '{instpath}/disk' (as uid:64055, gid:129): No such file or directory",
    ),
    t("image-download", _nova("nova.image.glance", "nova.virt.images"), "E", "{Failed to download image {uuid} to {basefile}: [Errno 28] No space left on device|Image {uuid} download incomplete: wrote {int:1000-900000} of {int:900000-9000000} bytes}"),
    t(
        "log-file",
        LIBVIRT,
        "W",
        _I
        + "{Unable to read console log {instpath}/console.log: [Errno 2]|Console log file {instpath}/console.log is missing}",
    ),
]

Configuration_Errors = [
    t("conf-wording", CONFIG, "E", "{Bad value '{word}' for [{DEFAULT|libvirt|neutron}]/{word}_{mode|type|driver}|Configuration error: {word}_{uri|driver} must be set when {word} is enabled|Option {word}_{path|file} points to a file that does not exist|Unknown filter '{word}Filter' in [filter_scheduler]/enabled_filters|Setting [{DEFAULT|compute}]/{word}_{ratio|size} has an invalid type: expected integer, got '{word}'}"),
    t("deprecated-option", CONFIG, "W", 'Deprecated: Option "{live_migration_uri|vif_plugging_timeout|cpu_allocation_ratio|use_neutron|firewall_driver|auth_strategy}" from group "{libvirt|DEFAULT|compute|api}" is deprecated{ for removal (Its value may be silently ignored in the future.)|. Use option "{word}" from group "{DEFAULT|libvirt}".}'),
    t("invalid-value", CONFIG, "E", "{Invalid value for option {virt_type|cpu_mode|images_type}: '{word}'|ConfigFileValueError: Value for option {virt_type|cpu_mode} is not valid: Valid values are [kvm, qemu, lxc], but found '{word}'}"),
    t("no-such-opt", CONFIG, "E", "{NoSuchOptError: no such option {word}_{uri|driver|timeout} in group [{DEFAULT|libvirt|neutron|placement}]|Unknown option {word}_{mode|path} in nova.conf}"),
    t("required-opt", CONFIG, "E", "{RequiredOptError: value required for option {auth_url|project_name|transport_url} in group [{placement|neutron|keystone_authtoken}]|Missing required configuration option [{placement|neutron}]/{auth_url|region_name}}"),
    t("driver-load", CONFIG, "E", "{Unable to load the virtualization driver: {word}.Driver|Compute driver option required, but not specified|Invalid virt_type '{word}' for compute driver libvirt}"),
    t("flavor-spec", _nova("nova.virt.hardware", "nova.compute.api", "nova.virt.libvirt.driver"), "E", "{Invalid flavor extra spec hw:cpu_policy={word}|Flavor {flavor} requests hw:mem_page_size={word}, which is not valid|Flavor's disk is too small for requested image}"),
    t("cpu-mode", LIBVIRT, "E", "{cpu_mode=host-passthrough is not supported with virt_type=qemu|Config requested an explicit CPU model, but the current libvirt hypervisor 'QEMU' does not support selecting CPU models|Invalid cpu_model '{word}' in configuration}"),
    t("ignored-option", CONFIG, "W", "{Config option {word}_{enabled|timeout} is set but {feature|driver} is disabled; ignoring|The [DEFAULT]/{vncserver_listen|my_ip} option is deprecated; use [vnc]/server_listen instead}"),
    t("paste", _nova("nova.wsgi", "nova.api.openstack"), "E", "{Could not load paste app 'osapi_compute' from /etc/nova/api-paste.ini|Unable to find api-paste.ini configuration}"),
    t("transport-url", MESSAGING, "E", "{Invalid transport_url: '{word}://{ip}'|Invalid URL scheme in transport_url option|No transport_url configured; RPC disabled}"),
    t(
        "image-property",
        LIBVIRT,
        "E",
        _I
        + "{Image property hw_disk_bus={word} is not supported by virt_type {qemu|kvm}|Unsupported image property hw_vif_model={word}}",
    ),
    t("cpu-set", CONFIG, "E", "{Invalid range expression {int:0-9}-x in vcpu_pin_set|cpu_dedicated_set and vcpu_pin_set cannot be set together|Invalid cpu_shared_set '{word}'}"),
    t("libvirt-version", LIBVIRT, "W", "{Running Nova with a libvirt version less than {version} is deprecated.|Running Nova with a QEMU version less than {version} is deprecated.|Libvirt version {version} is not supported}"),
    t("parse-error", CONFIG, "E", "{Error parsing configuration file /etc/nova/nova.conf: line {int:1-900}: unexpected value|ConfigFileParseError: Failed to parse /etc/nova/nova-cpu.conf: at line {int:1-900}}"),
    t("ratio-invalid", CONFIG, "E", "{Option cpu_allocation_ratio must be greater than 0, got {dec:-5-0}|Value {int:-100--1} is out of range for option reserved_host_memory_mb}"),
    t("auth-config", KEYSTONE, "E", "{Unable to find authentication plugin: check [keystone_authtoken] auth_type|auth_url not set in [{neutron|placement}], cannot authenticate|Invalid auth_type '{word}' configured}"),
    t("live-migration-config", CONFIG, "W", "{live_migration_uri is deprecated for removal in favor of setting live_migration_scheme and live_migration_inbound_addr|live_migration_tunnelled is deprecated}"),
    t("policy", _nova("oslo_policy.policy", "nova.policy"), "W", "{Policy rule \"{word}:{create|delete}\" is deprecated|Policy file /etc/nova/policy.yaml contains unknown rule '{word}'|JSON formatted policy_file is deprecated}"),
    t("incompatible", CONFIG, "E", "{Incompatible settings: {images_type=rbd|use_cow_images=False} with {images_type=lvm|preallocate_images=space}|Option {word} conflicts with {word}; using default}"),
    t("missing-section", CONFIG, "E", "{Missing [{placement|neutron|glance|cinder}] section in configuration file|Service catalog lookup for {placement|image|network} failed: check endpoint configuration}"),
]

_FRAME_PATHS = (
    "/usr/lib/python3/dist-packages/oslo_messaging/rpc/client.py",
    "/usr/local/lib/python3.8/dist-packages/oslo_messaging/_drivers/amqpdriver.py",
    "/usr/lib/python3/dist-packages/keystoneauth1/session.py",
    "/opt/stack/nova/nova/network/neutron.py", "/opt/stack/nova/nova/scheduler/client/report.py",
    "/usr/lib/python3/dist-packages/neutronclient/v2_0/client.py",
    "/opt/stack/nova/nova/conductor/rpcapi.py",
)

Service_Communication_Errors = [
    t("messaging-timeout", MESSAGING, "E", "{MessagingTimeout: Timed out waiting for a reply to message ID {hex:32}|oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply to message ID {hex:32}}"),
    t("conductor-wait", CONDUCTOR, "W", "Timed out waiting for nova-conductor.  Is it running? Or did this service start before nova-conductor?  Reattempting establishment of nova-conductor connection...{: oslo_messaging.exceptions.MessagingTimeout: Timed out waiting for a reply to message ID {hex:32}|}"),
    t("neutron-500", NOVANET, "E", "{Unexpected error from Neutron: 500 Internal Server Error|Neutron server returns request_ids: ['req-{uuid}']: InternalServerError (HTTP 500)|Failed to update port {uuid}: Conflict (HTTP 409)}"),
    t("glance-error", _nova("nova.image.glance"), "E", "{Error contacting glance server 'http://{ip}:9292' for 'download', retrying.|Glance returned HTTP 503 Service Unavailable for image {uuid}|Image {uuid} could not be retrieved: Unexpected response from Glance (HTTP 500)}"),
    t("keystone-401", KEYSTONE, "E", "{The request you have made requires authentication. (HTTP 401)|Identity response: {401|500|503}|Failed to fetch token data from identity server|Unable to validate token: Keystone returned HTTP {500|503}}"),
    t("placement-5xx", REPORT, "E", "{Failed to retrieve allocation candidates from placement API for filters: Got {500|502|503}|Placement service returned an unexpected response: HTTP {500|502|503}|Unable to refresh my resource provider record: Placement API returned {500|503}}"),
    t("remote-error", CONDUCTOR, "E", "{RemoteError: Remote error: {DBError|IntegrityError|NoRowsMatched} {word}|nova.exception_Remote.UnexpectedTaskStateError_Remote: Conflict updating instance {uuid}. Expected: {lb}'task_state': [None]{rb}. Actual: {lb}'task_state': '{powering-off|deleting}'{rb}}"),
    t("rpc-handling", MESSAGING, "E", "{Exception during message handling|Exception during message handling: {RuntimeError|ValueError}: {word}|Can not send reply for message {hex:32}: reply queue gone}"),
    t("traceback-head", MESSAGING, "E", "{Traceback (most recent call last):|During handling of the above exception, another exception occurred:}"),
    t(
        "traceback-frame",
        MESSAGING,
        "E",
        '  File "{'
        + "|".join(_FRAME_PATHS)
        + '}", line {int:40-2000}, in {call|_send|_wait_for_reply|request|put_allocations|update_port|select_destinations|_call}',
    ),
    t("amqp-channel", MESSAGING, "E", "{Unexpected channel closure; reconnecting to AMQP|Connection to RabbitMQ lost: (0, 0): (320) CONNECTION_FORCED - broker forced connection closure|Failed to publish message to topic 'compute.{node}': AMQPError}"),
    t("api-5xx", API, "E", '{ip} "{GET|POST|DELETE|PUT} /v2{.1|}/{hex:32}/servers{/detail|/{uuid}|/{uuid}/action} HTTP/1.1" status: {500|502|503|409|404} len: {int:100-900} time: {dec:0-60}'),
    t("cinder-error", _nova("nova.volume.cinder", "nova.compute.manager"), "E", "{Unexpected response from Cinder: HTTP {500|503|504}|Cinder API returned 400 for volume attach: {word}|Failed to reach cinder for volume {uuid}: Gateway Timeout (HTTP 504)}"),
    t("cell-unreachable", CONDUCTOR, "W", "{Cell {uuid} is not responding and hence skipped from the results.|Timed out waiting for response from cell {uuid}}"),
    t("endpoint-not-found", KEYSTONE, "E", "{EndpointNotFound: Could not find requested endpoint in Service Catalog.|Could not find endpoint for service type {placement|network|image} in region RegionOne}"),
    t("delivery-failed", MESSAGING, "E", "{MessageDeliveryFailure: Unable to connect to AMQP server after {int:3-60} tries|Failed to send notification to {versioned_notifications|notifications}: {word}}"),
    t(
        "neutron-404",
        NOVANET,
        "E",
        _I
        + "{Port {uuid} not found in Neutron (HTTP 404)|Neutron returned 404 for network {uuid}|Unable to show port {uuid}: Neutron server returned 400 Bad Request}",
    ),
    t("external-events-failed", _nova("neutron.notifiers.nova", "nova.api.openstack.compute.server_external_events"), "E", "{Failed to notify nova on events: HTTP {400|404|500}|HTTP exception thrown: No instances found for any event|Nova returned 422 for external event network-vif-plugged}"),
    t("rpc-version", MESSAGING, "E", "{UnsupportedVersion: Endpoint does not support RPC version {int:4-6}.{int:0-30}|Requested RPC version {int:4-6}.{int:0-30} is incompatible with compute service on {node}}"),
    t("unexpected-response", KEYSTONE, "E", '{Unexpected response from {placement|neutron|glance}: {lb}"error": "{word}"{rb}|Invalid JSON in response from {placement|neutron}: Expecting value: line 1 column 1 (char 0)}'),
]

UNCLASSIFIED = [
    t("domain-xml", GUEST, "E", "{<domain type='{kvm|qemu}'>|  <name>{instname}</name>|  <memory unit='KiB'>{int:65536-8388608}</memory>|    <source file='{instpath}/disk'/>|  <on_crash>destroy</on_crash>|    <nova:name>vm-{int:1-900}</nova:name>|  </devices>|<machine maxCpus='{int:1-255}'>pc-i440fx-{version}</machine>}"),
    t(
        "code-frame",
        MANAGER,
        "E",
        _I
        + '{    rv = meth(*args, **kwargs)|    self.force_reraise()|    six.reraise(self.type_, self.value, self.tb)|    yield resources|    raise value|  File "/opt/stack/nova/nova/virt/libvirt/driver.py", line {int:100-9000}, in {spawn|_create_guest}}',
    ),
    t("privsep-caps", PRIVSEP, "I", "privsep process running with capabilities (eff/prm/inh): CAP_{NET_ADMIN|SYS_ADMIN|CHOWN}/CAP_{NET_ADMIN|SYS_ADMIN}/none"),
    t("debug-lock", _nova("oslo_concurrency.lockutils"), "D", '{Lock "compute_resources" acquired by "nova.compute.resource_tracker.ResourceTracker.{_update_available_resource|instance_claim}" :: waited {dec:0-1}s|Lock "{uuid}" released by "nova.compute.manager.{_locked_do_build_and_run_instance|do_terminate_instance}" :: held {dec:0-90}s}'),
    t("arguments", GUEST, "E", '{Arguments: ({int:0-9},) {lb}{rb}|Returning exception to caller|Acquiring lock "refresh_cache-{uuid}"}'),
    t("qemu-cmdline", LIBVIRTD, "I", "{qemu-system-x86_64: -chardev pty,id=charserial0: char device redirected to /dev/pts/{int:1-9} (label charserial0)|LC_ALL=C PATH=/usr/bin QEMU_AUDIO_DRV=none /usr/bin/qemu-system-x86_64 -name guest={instname}}"),
]

CATALOG = Catalog(
    taxonomy="openstack",
    fallback="Unclassified",
    by_label={
        "System_Operations": System_Operations,
        "Instance_Management": Instance_Management,
        "Network_Operations": Network_Operations,
        "Resource_Management": Resource_Management,
        "Scheduler_Operations": Scheduler_Operations,
        "Boot_Timeout_Errors": Boot_Timeout_Errors,
        "Network_Connection_Errors": Network_Connection_Errors,
        "Resource_Allocation_Errors": Resource_Allocation_Errors,
        "File_System_Errors": File_System_Errors,
        "Configuration_Errors": Configuration_Errors,
        "Service_Communication_Errors": Service_Communication_Errors,
    },
    fallback_templates=UNCLASSIFIED,
)
