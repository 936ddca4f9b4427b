"""Synthetic templates for the ``standard`` taxonomy (seed 001's label table).

Each label gets the genres of real logs that fit its description: sshd/PAM lines for
AUTH_ERROR, systemd/cron/daemon lines for SYSTEM_NOTIFICATION, HDFS/Spark/access lines for
INFO, job failures and hardware faults for WORKFLOW_ERROR, and so on, plus the bare business
messages of the codebasics tutorial. Wording is our own; no real line is copied.
"""

# One template per line reads best as a table, so long lines are allowed in this file.
# ruff: noqa: E501
# fmt: off

from __future__ import annotations

from .catalog import Catalog, load_templates, t
from .formats import Genre

_BIZ = (
    "ModernCRM", "ModernHR", "BillingSystem", "AnalyticsEngine", "ThirdPartyAPI",
    "InventoryService", "WebPortal", "MobileApp",
)
_APP_LOGGERS = (
    "app.auth", "app.accounts", "app.orders", "app.api.views", "app.worker",
    "com.example.crm.UserController", "com.acme.billing.InvoiceService",
    "org.company.hr.EmployeeService", "app.services.checkout", "api.handlers",
)

# Genres: where a kind of message is found in the wild.
BIZ = Genre(
    ("bare", "bare", "bare", "pylog", "json", "java"), ("web", "api", "app"), _APP_LOGGERS, _BIZ
)
APP = Genre(
    ("pylog", "java", "json", "klog", "bare"),
    ("api-server", "app", "worker", "gateway", "backend"),
    _APP_LOGGERS,
    (*_BIZ, "app-server", "backend"),
)
SSH = Genre(("syslog", "syslog", "syslog", "bare"), ("sshd",), (), ("OpenSSH", "sshd", "auth.log"))
PAM = Genre(
    ("syslog", "syslog", "bare"),
    (
        "sshd(pam_unix)", "su(pam_unix)", "login", "vsftpd(pam_unix)", "sshd", "sudo",
        "gdm-password", "crond(pam_unix)",
    ),
    (),
    ("Linux", "auth.log", "secure"),
)
SUDO = Genre(("syslog", "syslog", "bare"), ("sudo", "su"), (), ("Linux", "auth.log"))
KERNEL = Genre(("syslog", "syslog", "bare"), ("kernel",), (), ("Linux", "kernel", "dmesg"))
SYSTEMD = Genre(
    ("syslog", "syslog", "bare"),
    ("systemd", "systemd-logind", "init"),
    (),
    ("Linux", "systemd", "journal"),
)
DAEMON = Genre(
    ("syslog", "syslog", "bare", "pylog"),
    (
        "cupsd", "sshd", "ntpd", "named", "postfix", "xinetd", "crond", "snmpd", "rsyslogd",
        "dockerd", "haproxy", "irqbalance", "hcid", "smbd",
    ),
    (),
    ("Linux", "syslog", "Thunderbird"),
)
CRON = Genre(("syslog", "syslog", "bare"), ("CRON", "crond", "anacron"), (), ("Linux", "cron"))
WEB = Genre(("raw",), ("nginx",), (), ("nginx", "Apache", "web-frontend", "ingress"))
WEB_ERR = Genre(("apache", "apache", "json"), ("httpd", "nginx"), (), ("Apache", "nginx"))
NOVA_API = Genre(
    ("nova",),
    ("nova-api",),
    ("nova.osapi_compute.wsgi.server",),
    ("ModernCRM", "ModernHR", "BillingSystem", "OpenStack", "nova-api"),
)
HDFS = Genre(
    ("java",),
    ("hdfs",),
    (
        "dfs.DataNode$DataXceiver", "dfs.DataNode$PacketResponder", "dfs.FSNamesystem",
        "org.apache.hadoop.hdfs.server.datanode.DataNode", "dfs.DataBlockScanner",
    ),
    ("HDFS", "Hadoop"),
)
HADOOP = Genre(
    ("java",),
    ("hadoop",),
    (
        "org.apache.hadoop.mapreduce.v2.app.job.impl.TaskAttemptImpl",
        "org.apache.hadoop.mapreduce.v2.app.rm.RMContainerAllocator",
        "org.apache.hadoop.mapred.YarnChild", "org.apache.hadoop.yarn.client.RMProxy",
        "org.apache.hadoop.mapreduce.v2.app.MRAppMaster",
    ),
    ("Hadoop", "YARN"),
)
SPARK = Genre(
    ("java",),
    ("spark",),
    (
        "executor.Executor", "scheduler.TaskSetManager", "storage.BlockManager",
        "spark.SparkContext", "scheduler.DAGScheduler", "storage.MemoryStore",
        "executor.CoarseGrainedExecutorBackend",
    ),
    ("Spark",),
)
ZK = Genre(
    ("java",),
    ("zookeeper",),
    (
        "org.apache.zookeeper.server.NIOServerCnxn",
        "org.apache.zookeeper.server.quorum.QuorumPeer",
        "org.apache.zookeeper.server.ZooKeeperServer",
        "org.apache.zookeeper.server.persistence.FileTxnSnapLog",
    ),
    ("Zookeeper",),
)
# Background threads, workers and clients of JVM/Python services (quorum peers, consumers,
# RPC clients): their lifecycle and connection lines, often logged at WARN.
WORKERS = Genre(
    ("java", "java", "pylog", "json", "bare"),
    ("worker", "zookeeper", "kafka", "hadoop", "app"),
    (
        "org.apache.zookeeper.server.quorum.QuorumCnxManager", "org.apache.kafka.clients.NetworkClient",
        "org.apache.hadoop.ipc.Client", "com.example.jobs.WorkerPool", "app.consumer",
        "io.netty.channel.DefaultChannelPipeline", "org.eclipse.jetty.util.thread.QueuedThreadPool",
    ),
    ("Zookeeper", "Hadoop", "kafka", "app-server", "worker"),
)
# Class-logged internals of JVM frameworks and daemons (schedulers, brokers, search and
# storage nodes, app servers): the routine chatter of their components, and their RPC clients.
JVM = Genre(
    ("java", "java", "java", "json"),
    ("hadoop", "yarn", "spark", "kafka", "flink", "elasticsearch", "cassandra", "hbase", "tomcat"),
    (
        "org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler",
        "org.apache.hadoop.mapreduce.v2.app.launcher.ContainerLauncherImpl",
        "org.apache.hadoop.yarn.server.nodemanager.NodeStatusUpdaterImpl",
        "org.apache.hadoop.hdfs.server.namenode.FSNamesystem", "org.apache.hadoop.http.HttpServer2",
        "org.apache.hadoop.metrics2.impl.MetricsSystemImpl", "org.apache.hadoop.hbase.regionserver.HRegionServer",
        "org.apache.spark.scheduler.cluster.YarnSchedulerBackend", "org.apache.spark.deploy.yarn.ApplicationMaster",
        "org.apache.kafka.clients.consumer.internals.ConsumerCoordinator", "kafka.server.ReplicaFetcherThread",
        "kafka.controller.KafkaController", "org.apache.flink.runtime.jobmaster.JobMaster",
        "org.apache.flink.runtime.taskexecutor.TaskExecutor", "org.apache.flink.runtime.checkpoint.CheckpointCoordinator",
        "org.elasticsearch.cluster.service.MasterService", "org.elasticsearch.node.Node",
        "org.apache.cassandra.service.StorageService", "org.apache.cassandra.gms.Gossiper",
        "org.apache.catalina.core.StandardService", "org.springframework.context.support.DefaultLifecycleProcessor",
        "com.example.platform.scheduler.JobDispatcher", "io.acme.stream.runtime.WorkerRuntime",
    ),
    ("Hadoop", "YARN", "Spark", "kafka", "flink", "elasticsearch", "cassandra", "app-server"),
)
# Monitoring collectors and pollers (ganglia, collectd, zabbix, nagios…), syslog tags often
# written as the daemon's full path.
MONITOR = Genre(
    ("syslog", "syslog", "bare", "pylog", "json"),
    (
        "gmetad", "gmond", "collectd", "zabbix_server", "nagios", "telegraf", "munin-node",
        "/usr/sbin/gmetad", "/opt/monitoring/sbin/collectd", "/usr/local/nagios/bin/nagios",
    ),
    (),
    ("Linux", "Thunderbird", "monitoring", "syslog"),
)
K8S = Genre(
    ("klog", "klog", "json"),
    ("kubelet", "kube-controller-manager", "kube-scheduler", "kube-apiserver", "containerd"),
    (),
    ("kubernetes", "kubelet", "k8s-events"),
)
PG = Genre(
    ("postgres", "postgres", "bare", "pylog"),
    ("postgres",),
    ("app.db",),
    ("postgresql", "db-server", "BillingSystem"),
)
MYSQL = Genre(
    ("mysql", "mysql", "bare", "java"),
    ("mysqld",),
    (
        "com.zaxxer.hikari.pool.HikariPool", "org.hibernate.engine.jdbc.spi.SqlExceptionHelper",
        "com.example.repo.OrderRepository",
    ),
    ("mysql", "db-server", "InventoryService"),
)
DBAPP = Genre(
    ("pylog", "java", "json", "bare"),
    ("api-server", "worker", "orders"),
    (
        "sqlalchemy.pool.impl.QueuePool", "app.db.session", "com.zaxxer.hikari.pool.HikariPool",
        "org.hibernate.engine.jdbc.spi.SqlExceptionHelper", "app.repositories",
    ),
    (*_BIZ, "db-client"),
)
NOSQL = Genre(
    ("json", "pylog", "java", "bare"),
    ("mongod", "redis", "cassandra", "elasticsearch"),
    (
        "app.cache", "com.datastax.driver.core.RequestHandler",
        "org.elasticsearch.cluster.routing", "app.store.mongo",
    ),
    ("mongodb", "redis", "cassandra", "elasticsearch"),
)
BACKUPTOOL = Genre(
    ("syslog", "pylog", "json", "bare", "bare"),
    ("backup", "bacula-dir", "restic", "pgbackrest", "velero", "rsnapshot", "borg", "mysqldump"),
    ("backup.runner", "app.backup", "ops.snapshots"),
    ("backup-server", "BillingSystem", "ModernHR", "storage"),
)
WIN = Genre(
    ("windows", "windows", "bare"), ("CBS", "CSI", "Security", "VSS", "Service"), (), ("Windows",)
)
MAC = Genre(
    ("syslog",),
    (
        "loginwindow", "com.apple.backupd", "kernel", "sandboxd", "authorizationhost",
        "softwareupdated",
    ),
    (),
    ("Mac",),
)
ANDROID = Genre(
    ("android",),
    (
        "ActivityManager", "PackageManager", "PowerManagerService", "WindowManager",
        "PermissionMonitor",
    ),
    (),
    ("Android",),
)
PROXY = Genre(("bare",), ("proxifier",), (), ("Proxifier",))
FTPD = Genre(("syslog", "syslog", "bare"), ("ftpd", "vsftpd", "proftpd", "xinetd"), (), ("Linux", "ftp"))
HPC = Genre(("bare", "syslog"), ("node-mgr", "ras"), (), ("HPC", "BGL"))

# Genres of the real-world catalogue (standard_world.txt): package managers, phones, kernels
# and hardware, schedulers, brokers, containers, time sync, mail, name servers.
DPKG = Genre(("stamp",), ("dpkg",), (), ("dpkg.log", "Linux"))
APT = Genre(("raw", "raw", "bare"), ("apt",), (), ("apt/term.log", "apt/history.log", "Linux"))
ALTERNATIVES = Genre(("raw",), ("update-alternatives",), (), ("alternatives.log", "Linux"))
YUM = Genre(("stamp", "raw", "syslog"), ("yum", "dnf"), (), ("yum.log", "dnf.log", "Linux"))
PIP = Genre(("raw", "raw", "bare"), ("pip", "npm"), (), ("pip", "npm", "ci-runner"))
MOBILE = Genre(
    ("android",),
    (
        "PowerManagerService", "DisplayPowerController", "SensorService", "WindowManager",
        "ActivityManager", "InputMethodManagerService", "KeyguardUpdateMonitor", "BatteryService",
        "AlarmManager", "WifiStateMachine", "ConnectivityService", "NotificationService",
        "JobScheduler", "AudioFlinger", "SurfaceFlinger", "PhoneStatusBar", "ViewRootImpl",
        "HwPowerManager", "Choreographer", "LocationManagerService",
    ),
    (),
    ("Android", "logcat"),
)
HEALTH = Genre(
    ("pipe", "pipe", "android"),
    ("Step_LSC", "Step_StandReportReceiver", "Step_SPUtils", "Step_ExtSDM", "HiH_HiSyncUtil",
     "Step_StandStepCounter", "HiH_HiHealthDataInsertStore", "Step_NotificationUtil"),
    (),
    ("HealthApp", "Android"),
)
DMESG = Genre(("dmesg", "syslog", "bare"), ("kernel",), (), ("Linux", "kernel", "dmesg"))
HWD = Genre(
    ("syslog", "syslog", "bare"),
    ("smartd", "ipmievd", "mcelog", "irqbalance", "thermald", "fwupd", "upowerd", "bluetoothd"),
    (),
    ("Linux", "syslog", "hardware"),
)
SYSD = Genre(("syslog", "syslog", "bare"), ("systemd",), (), ("Linux", "systemd", "journal"))
SCHED_APP = Genre(
    ("pylog", "pylog", "json", "java", "bare"),
    ("airflow-scheduler", "celery", "beat", "quartz", "worker"),
    ("airflow.jobs.scheduler_job", "celery.worker.strategy", "celery.app.trace", "celery.beat",
     "org.quartz.core.JobRunShell", "org.quartz.core.QuartzSchedulerThread",
     "airflow.task", "app.scheduler"),
    ("airflow", "celery", "scheduler", "app-server"),
)
BROKER = Genre(
    ("bare", "syslog", "json", "java", "pylog"),
    ("rabbitmq-server", "mosquitto", "activemq", "nats-server", "kafka"),
    ("rabbit", "org.apache.activemq.broker.TransportConnector", "kafka.log.Log",
     "kafka.coordinator.group.GroupCoordinator", "kafka.log.LogManager"),
    ("rabbitmq", "mosquitto", "activemq", "kafka"),
)
CONTAINERD = Genre(
    ("klog", "klog", "json", "syslog"),
    ("dockerd", "containerd", "kubelet", "crio"),
    (),
    ("docker", "containerd", "kubernetes", "kubelet"),
)
JAVAWEB = Genre(
    ("java", "java", "json"),
    ("tomcat", "spring", "jetty"),
    ("org.apache.catalina.startup.HostConfig", "org.apache.coyote.http11.Http11NioProtocol",
     "org.springframework.web.servlet.DispatcherServlet", "o.s.b.w.embedded.tomcat.TomcatWebServer",
     "org.eclipse.jetty.server.handler.ContextHandler", "org.apache.catalina.core.StandardEngine",
     "org.hibernate.Version", "com.zaxxer.hikari.HikariDataSource"),
    ("tomcat", "spring-app", "app-server", "jetty"),
)
NTP = Genre(
    ("syslog", "syslog", "bare"),
    ("chronyd", "ntpd", "systemd-timesyncd", "ntpdate", "w32time"),
    (),
    ("Linux", "syslog", "chrony"),
)
MAIL = Genre(
    ("syslog", "syslog", "bare"),
    ("postfix/smtpd", "postfix/qmgr", "postfix/smtp", "postfix/cleanup", "postfix/pickup",
     "dovecot", "sendmail", "exim"),
    (),
    ("mail.log", "Linux", "mailhub"),
)
NETD = Genre(
    ("syslog", "syslog", "bare"),
    ("dhclient", "NetworkManager", "avahi-daemon", "named", "dnsmasq", "wpa_supplicant",
     "systemd-networkd", "unbound"),
    (),
    ("Linux", "syslog", "network"),
)
WEBD = Genre(("apache", "apache", "bare"), ("nginx", "httpd", "php-fpm", "haproxy"), (), ("nginx", "Apache", "php-fpm"))
DBLOG = Genre(("postgres", "postgres", "mysql", "bare"), ("postgres", "mysqld"), (), ("postgresql", "mysql", "db-server"))
KVSTORE = Genre(
    ("bare", "json", "syslog"),
    ("redis-server", "mongod", "memcached", "etcd"),
    (),
    ("redis", "mongodb", "etcd"),
)
DEBUGTRACE = Genre(
    ("bare", "pylog", "java", "json", "android"),
    ("app", "worker", "native", "hal", "SystemUI"),
    ("app.debug", "com.example.core.Trace", "native.hal", "app.state"),
    ("app-server", "Android", "embedded", "worker"),
)
WINSVC = Genre(("windows", "windows", "bare"), ("CBS", "CSI", "WindowsUpdateAgent", "Service"), (), ("Windows",))


USER_ACTION = [
    t("login", BIZ, "I", "User {user} logged in{.| successfully.| from {ip}.| via SSO.}"),
    t("logout", BIZ, "I", "User {user} logged out{.| after {int:1-480} minutes.| (session ended by user).}"),
    t("ssh-accepted", SSH, "I", "Accepted {password|publickey|keyboard-interactive/pam} for {sysuser} from {ip} port {port} ssh2{: RSA SHA256:{hex:43}|}"),
    t("account-created", BIZ, "I", "Account with ID {int:1000-99999} created by {user}."),
    t("signup", BIZ, "I", "{New user registered: {email}|User {user} signed up with {email}|Registration completed for {email}}"),
    t("profile-update", BIZ, "I", "{User {user} updated {their|the} {profile|profile picture|email address|phone number|display name}|Profile of {user} edited by owner: {bio|avatar|address} changed}"),
    t("password-change", BIZ, "I", "User {user} {changed|updated|reset} {their |}password{ via email link| from account settings|}"),
    t("account-delete", BIZ, "I", "User {user} {deleted|closed|deactivated} {their account|account {acct}}"),
    t("upload", BIZ, "I", "User {user} uploaded {file} ({size}){ to {shared drive|project files|their workspace}|}"),
    t("download", BIZ, "I", "User {user} downloaded {file}{ from {path}|}"),
    t("order", BIZ, "I", "{Order {order} placed by {user}{ (total ${dec:5-900})|}|User {user} placed order {order} with {int:1-12} items|{user} completed checkout for order {order}}"),
    t("cart", BIZ, "I", "{User {user} added|{user} removed} {int:1-9} item{s|} {to|from} {their |the |}cart"),
    t("settings", BIZ, "I", "User {user} {changed|updated|saved} {language|timezone|notification|privacy|display|billing} settings{ to {en-US|de-DE|UTC+2|dark mode}|}"),
    t("mfa-enable", BIZ, "I", "User {user} {enabled|disabled|set up} two-factor authentication"),
    t("invite", BIZ, "I", "{user} invited {email} to {workspace|team|project} {word}"),
    t("export", BIZ, "I", "User {user} exported {the |}{report|customer list|timesheet|invoice history} to {CSV|PDF|Excel}"),
    t("event-json", APP, "I", "audit event=user.{profile_update|login|logout|settings_change|file_download} user_id={int:1-99999} actor={user} ip={ip}"),
    t("subscription", BIZ, "I", "User {user} {subscribed to|upgraded to|downgraded to|cancelled} the {Basic|Pro|Enterprise|Family} plan"),
    t("share", BIZ, "I", "{user} shared {document|folder|dashboard} {file} with {user}"),
    t("sudo-cmd", SUDO, "I", "{user} : TTY=pts/{int:0-9} ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/{apt-get update|systemctl restart nginx|vim /etc/hosts|tail -f /var/log/syslog|docker ps}"),
    t("console-login", PAM, "I", "{LOGIN ON tty{int:1-6} BY {sysuser}|{sysuser} logged in on tty{int:1-6}|ROOT LOGIN ON tty{int:1-6} FROM console}"),
    t("ftp-login", DAEMON, "I", "{ANONYMOUS FTP LOGIN|FTP LOGIN} FROM {ip}{ as {user}| (anonymous)|}"),
    t("approve", BIZ, "I", "User {user} {approved|rejected|signed off on} {expense report|leave request|purchase order} {ticket}"),
    t("comment", BIZ, "I", "{user} {commented on|closed|reopened|assigned} ticket {ticket}"),
    t("address", BIZ, "I", "User {user} updated {billing|shipping} address"),
    t("win-logon", WIN, "I", "An account was successfully logged on. Account Name: {user} Logon Type: {2|10|3}"),
    t("git-push", APP, "I", "{user} pushed {int:1-30} commit{s|} to {main|develop|feature/{word}} of {repo|project} {word}"),
    t("payment-method", BIZ, "I", "User {user} {added|removed} a payment method ({Visa|Mastercard|PayPal} ending {int:1000-9999})"),
    t("search", BIZ, "I", 'User {user} searched for "{word}" and opened {int:1-20} results'),
    t("rename", BIZ, "I", "User {user} renamed {file} to {file}"),
    t("logind-session", SYSTEMD, "I", "{New session {int:1-9999} of user {sysuser}.|Started Session {int:1-9999} of user {sysuser}.|Session {int:1-9999} of user {sysuser} logged out.|Removed session {int:1-9999} of user {sysuser}.}"),
    t("mac-login", MAC, "I", "{USER_PROCESS: {int:100-999} console user {user} logged in|User {user} logged in via login window}"),
    # Moved from SYSTEM_NOTIFICATION (issue 13's label conventions): session-opened, session-closed.
    t("session-opened", PAM, "I", "{pam_unix({sshd|cron|su|login}:session): |}session opened for user {sysuser} by {(uid=0)|LOGIN(uid=0)|(uid={int:500-2000})|{sysuser}(uid=0)}"),
    t("session-closed", PAM, "I", "{pam_unix({sshd|cron|su}:session): |}session closed for user {sysuser}"),
]

SYSTEM_NOTIFICATION = [
    t("daemon-startup", DAEMON, "I", "{{daemon} startup succeeded|Starting {daemon}: [  OK  ]|{daemon} started|{daemon} {version} started (pid {pid})}"),
    t("daemon-shutdown", DAEMON, "I", "{{daemon} shutdown succeeded|Stopping {daemon}: [  OK  ]|{daemon} exiting on signal {15|2}|{daemon} stopped}"),
    t("systemd-started", SYSTEMD, "I", "{Started|Starting|Stopped|Stopping} {The Apache HTTP Server|OpenSSH server daemon|Daily Cleanup of Temporary Directories|Network Manager|Docker Application Container Engine|Load Kernel Modules|PostgreSQL RDBMS|Regular background program processing daemon}{.|...}"),
    t("version-update", BIZ, "I", "{System updated to version {version}.|Application upgraded to version {version}|Deployed release {version} to {host}}"),
    t("disk-cleanup", BIZ, "I", "Disk cleanup completed {successfully|on {host}}{.|, {size} freed.}"),
    t("reboot-by-user", BIZ, "I", "{System reboot initiated by user {user}.|Reboot scheduled by administrator {user} for {clock}}"),
    t("file-uploaded-by", BIZ, "I", "File {file} uploaded successfully by user {user}."),
    t("service-restart", APP, "I", "{Service {service} restarted{ by supervisor| after config change|}|{service} was restarted automatically ({int:1-5} restarts today)}"),
    t("win-service", WIN, "I", "{Windows Update|TrustedInstaller|Background Intelligent Transfer|Windows Modules Installer} service {started|stopped} successfully."),
    t("k8s-container", K8S, "I", '{Started container {service}|Stopping container {service}|Container {service} started in pod {ns}/{pod}}'),
    t("dockerd", DAEMON, "I", "{Daemon has completed initialization|Docker daemon started (version {version})|Processing signal 'terminated'; stopping the daemon}"),
    t("klogd", KERNEL, "I", "{klogd {version}, log source = /proc/kmsg started.|syslogd {version}: restart.|Kernel logging (proc) stopped.}"),
    t("reboot", SYSTEMD, "I", "{System is rebooting.|Shutting down for system reboot|System boot completed in {dur}|Power key pressed. Powering off...}"),
]

AUTH_ERROR = [
    t("ssh-failed-password", SSH, "IW", "Failed password for {invalid user |}{sysuser} from {ip} port {port} ssh2"),
    t("ssh-invalid-user", SSH, "IW", "{Invalid user {sysuser} from {ip}{ port {port}|}|input_userauth_request: invalid user {sysuser} [preauth]}"),
    t("pam-auth-failure", PAM, "W", "{pam_unix(sshd:auth): |}authentication failure; logname= uid=0 euid=0 tty={ssh|NODEVssh|:0} ruser= rhost={ip}{  user={sysuser}|}"),
    t("pam-user-unknown", PAM, "W", "{pam_unix(sshd:auth): |}check pass; user unknown"),
    t("pam-more-failures", PAM, "W", "PAM {int:2-5} more authentication failure{s|}; logname= uid=0 euid=0 tty=ssh ruser= rhost={ip}{ user={sysuser}|}"),
    t("ssh-too-many", SSH, "W", "{Disconnecting: Too many authentication failures for {sysuser} [preauth]|error: maximum authentication attempts exceeded for {invalid user |}{sysuser} from {ip} port {port} ssh2 [preauth]}"),
    t("ssh-break-in", SSH, "W", "reverse mapping checking getaddrinfo for {host}.example.net [{ip}] failed - POSSIBLE BREAK-IN ATTEMPT!"),
    t("ssh-no-methods", SSH, "W", "{Connection closed by authenticating user {sysuser} {ip} port {port} [preauth]|error: Received disconnect from {ip} port {port}:14: No supported authentication methods available [preauth]}"),
    t("kerberos", PAM, "E", "{Kerberos authentication failed{ for {user}|}|krb5kdc: PREAUTH_FAILED: {user}@EXAMPLE.COM for krbtgt/EXAMPLE.COM|Authentication failed from {ip} ({ip}): {Permission denied in replay cache code|Connection reset by peer|Connection timed out|Broken pipe|Bad encryption type}}"),
    t("ldap", APP, "E", "LDAP bind failed for uid={user},ou=people,dc=example,dc=com: Invalid credentials (49)"),
    t("permission-denied", APP, "E", "{Permission denied (publickey,password).|Access denied for user {user} to {/admin|{path}|reports/{word}}|User {user} is not authorized to perform {delete|write|admin} on {resource|bucket} {word}}"),
    t("token-expired", APP, "WE", "{JWT token expired for user {user}|Token validation failed: {signature mismatch|token expired|invalid audience}|Session token for {user} is invalid or has been revoked|OAuth2 refresh failed: invalid_grant for client {hex:16}}"),
    t("api-key", APP, "W", "{Invalid API key supplied from {ip}|Request rejected: missing or invalid API key (client {ip})|API key {hex:8}... has been revoked}"),
    t("account-locked", BIZ, "W", "{Account {user} locked after {int:3-10} failed login attempts|User {user} temporarily blocked: too many failed sign-ins}"),
    t("forbidden", APP, "W", "{403 Forbidden: user {user} lacks permission {orders.read|admin.write|billing.export} on {resource|project} {word}|RBAC: access denied for {user} (role viewer) on {method} {url}}"),
    t("access-401", WEB, "I", '{ip} - - [{int:10-28}/{May|Jun|Oct}/20{int:15-24}:{clock} +0000] "{POST|GET} {/login|/api/v1/token|/admin|/wp-login.php|/oauth/authorize} HTTP/1.1" {401|403} {int:0-900} "-" "{agent}"'),
    t("cert-invalid", APP, "E", "{SSL certificate verification failed: certificate has expired|client certificate rejected: unknown CA|TLS handshake failed: bad certificate from {ip}}"),
    t("unauthorized-attempt", BIZ, "W", "{Unauthorized access to {data|admin panel|payroll records} was attempted{ by {ip}|}|Multiple failed login attempts for user {user}{ from {ip}|}|Suspicious login activity detected for {user}: {int:5-50} failures in {int:1-10} minutes}"),
    t("sudo-fail", SUDO, "W", "{{user} : {3 incorrect password attempts|user NOT in sudoers} ; TTY=pts/{int:0-9} ; PWD=/home/{user} ; USER=root ; COMMAND=/bin/bash|FAILED SU (to root) {user} on pts/{int:0-9}|pam_unix(su:auth): authentication failure; logname={user} uid={int:500-2000} euid=0 tty=pts/{int:0-9} ruser={user} rhost=  user=root}"),
    t("win-logon-fail", WIN, "W", "An account failed to log on. Account Name: {user} Failure Reason: {Unknown user name or bad password.|Account locked out.|The user has not been granted the requested logon type.}"),
    t("spring-bad-creds", APP, "W", "{org.springframework.security.authentication.BadCredentialsException: Bad credentials|Authentication request failed: Bad credentials for {user}|Login attempt for '{user}' rejected: wrong password}"),
    t("db-login-failed", MYSQL, "W", "{Login failed for user '{user}'. Reason: Password did not match that for the login provided.|Access denied for user '{user}'@'{ip}' (using password: YES)}"),
    t("pg-auth", PG, "F", 'password authentication failed for user "{user}"'),
    t("mfa-fail", BIZ, "W", "{MFA verification failed for {user}: code mismatch|Two-factor code expired for {user}|OTP rejected for user {user} ({int:2-5} attempts)}"),
    t("sasl", ZK, "W", "{Auth failed for client /{ip}:{port}: SASL authentication failed|Client /{ip}:{port} failed to authenticate: invalid Kerberos ticket}"),
    t("android-permission", ANDROID, "W", "Permission Denial: {opening provider|starting Intent|reading contacts} from pid={int:1000-30000}, uid={int:10000-10300} requires android.permission.{READ_CONTACTS|CAMERA|ACCESS_FINE_LOCATION}"),
    t("mac-auth", MAC, "W", "{Failed to authenticate user <{user}> (error: 9).|authorization denied for right system.preferences by {user}}"),
    t("ftp-auth", DAEMON, "W", '{FTP LOGIN FAILED FROM {ip}, {user}|FAIL LOGIN: Client "{ip}"}'),
    t("imap-auth", DAEMON, "W", "{imap-login: Disconnected (auth failed, {int:1-5} attempts): user=<{user}>, rip={ip}|postfix/smtpd: warning: unknown[{ip}]: SASL LOGIN authentication failed: authentication failure}"),
    t("k8s-unauth", K8S, "W", '{Unable to authenticate the request due to an error: x509: certificate has expired or is not yet valid|forbidden: User "system:serviceaccount:{ns}:{service}" cannot list resource "pods"}'),
]

DB_ERROR = [
    t("pg-connect-refused", DBAPP, "E", 'could not connect to server: Connection refused. Is the server running on host "{host}" and accepting TCP/IP connections on port 5432?'),
    t("pg-too-many", PG, "F", '{sorry, too many clients already|remaining connection slots are reserved for non-replication superuser connections|too many connections for role "{user}"}'),
    t("deadlock", PG, "E", "deadlock detected{: Process {int:100-60000} waits for ShareLock on transaction {int}; blocked by process {int:100-60000}.|}"),
    t("mysql-deadlock", MYSQL, "E", "Deadlock found when trying to get lock; try restarting transaction{ (table {db}.{table})|}"),
    t("unique-violation", PG, "E", 'duplicate key value violates unique constraint "{table}_{pkey|email_key|code_idx}"'),
    t("fk-violation", PG, "E", 'insert or update on table "{table}" violates foreign key constraint "{table}_{word}_fkey"'),
    t("relation-missing", PG, "E", 'relation "{table}" does not exist at character {int:10-300}'),
    t("sqlalchemy-lost", DBAPP, "E", "sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) server closed the connection unexpectedly"),
    t("hibernate-jdbc", DBAPP, "E", "{org.hibernate.exception.JDBCConnectionException: Unable to acquire JDBC Connection|Could not open JPA EntityManager for transaction; nested exception is org.hibernate.exception.JDBCConnectionException}"),
    t("pool-timeout", DBAPP, "E", "{HikariPool-{int:1-4} - Connection is not available, request timed out after {ms}ms.|QueuePool limit of size {int:5-50} overflow {int:5-20} reached, connection timed out, timeout {int:10-60}}"),
    t("pool-exhausted", DBAPP, "E", "{Database connection pool exhausted: {int:20-100} of {int:20-100} connections in use|No free connections in pool for {db}; {int:1-90} requests waiting}"),
    t("rollback", DBAPP, "E", "Transaction {rolled back|aborted} {due to {constraint violation|serialization failure|lock timeout}|on {db}}{: {txn}|}"),
    t("lock-wait", MYSQL, "E", "Lock wait timeout exceeded; try restarting transaction"),
    t("replication", MYSQL, "E", "{Slave SQL for channel '': Error 'Duplicate entry' on query. Replication stopped|Replica I/O thread: error reconnecting to source 'repl@{host}:3306'|replication lag on {host} is {int:60-9000} seconds, replica marked unhealthy}"),
    t("migration", DBAPP, "E", 'Migration {int:1-400}_{add_index|create_orders|alter_users} failed: {column "{word}" of relation "{table}" already exists|table "{table}" does not exist}'),
    t("mongo", NOSQL, "E", "{MongoNetworkError: failed to connect to server [{host}:27017] on first connect|MongoServerSelectionError: connection timed out|E11000 duplicate key error collection: {db}.{table} index: _id_}"),
    t("redis", NOSQL, "E", "{Redis connection to {host}:6379 failed - connect ECONNREFUSED|ConnectionError: Error 111 connecting to redis:6379. Connection refused.|MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk}"),
    t("mysql-crashed", MYSQL, "E", "{Table './{db}/{table}' is marked as crashed and should be repaired|InnoDB: Database page corruption on disk or a failed file read of page {int}|Got error {int:28-200} from storage engine}"),
    t("statement-timeout", PG, "E", "canceling statement due to {statement timeout|lock timeout|user request}"),
    t("db-conn-lost", DBAPP, "EW", "{Database connection lost; reconnecting ({int:1-5}/5)|Lost connection to MySQL server during query|Connection to database '{db}' timed out after {dur}}"),
    t("oracle", DBAPP, "E", "{ORA-00060: deadlock detected while waiting for resource|ORA-12541: TNS:no listener|ORA-00001: unique constraint ({db}.{table}_PK) violated|ORA-01555: snapshot too old}"),
    t("cassandra", NOSQL, "E", "{Cassandra timeout during write query at consistency QUORUM ({int:1-2} replica were required but only 0 acknowledged the write)|NoHostAvailableException: All host(s) tried for query failed}"),
    t("pg-disk", PG, "E", 'could not extend file "base/{int:10000-99999}/{int:10000-99999}": No space left on device'),
    t("sqlite-locked", DBAPP, "E", "sqlite3.OperationalError: database is locked"),
    t("es-red", NOSQL, "W", "{Cluster health status changed from [YELLOW] to [RED] (reason: [shards failed [[{word}][{int:0-5}]]])|failed to execute bulk item (index) index [{word}-{date}]}"),
    t("syntax", DBAPP, "E", 'Failed to execute query on {db}.{table}: syntax error at or near "{WHERE|FROM|{word}}"'),
    t("corruption", PG, "E", "{invalid page in block {int} of relation base/{int:1000-99999}/{int:1000-99999}|checksum verification failed in data page {int} of table {table}}"),
    t("query-failed", DBAPP, "E", "{Query failed after {dur}: {SELECT|UPDATE|DELETE} on {table}|Database error while saving {order}: {IntegrityError|OperationalError|DataError}|Could not commit transaction for {table}: connection reset}"),
    t("db-unavailable", BIZ, "E", "{Database {db} is unavailable|Primary database failover failed for {db}|Data store {db} rejected writes: read-only mode}"),
    t("hdfs-namenode", HDFS, "E", "{Operation category WRITE is not supported in state standby|NameNode is in safe mode; cannot create {path}}"),
]

BACKUP = [
    t("lifecycle", BIZ, "I", "Backup {started|completed successfully|ended}{ at {date} {clock}| for {db}|}{.|}"),
    t("start-kind", BACKUPTOOL, "I", "Starting {full|incremental|differential} backup of {db|{host}|{path}} to {/backups/{date}|s3://corp-backups/{host}/|tape pool {Weekly|Monthly}}"),
    t("job-finished", BACKUPTOOL, "I", "Backup job {job} finished: {int:1-90000} files, {size} in {dur}"),
    t("snapshot-created", BACKUPTOOL, "I", "{Snapshot snap-{hex:12} of volume vol-{hex:12} created|Created snapshot {hex:8} of {path}|EBS snapshot snap-{hex:17} is now completed}"),
    t("restore", BACKUPTOOL, "I", "{Restoring {db} from backup {file}|Restore of {db} completed in {dur}|Restored {int:1-50000} files to {path}}"),
    t("pg-dump", BACKUPTOOL, "I", 'pg_dump: dumping contents of table "public.{table}"'),
    t("mysqldump", BACKUPTOOL, "I", "{mysqldump of {db} completed ({size})|Dumping database {db} to /var/backups/{db}-{date}.sql.gz}"),
    t("failed", BACKUPTOOL, "E", "{Backup failed: destination {path} not writable|Backup of {db} failed: {timeout|disk quota exceeded|connection reset}|Backup job {job} aborted after {dur}}"),
    t("vss", WIN, "IE", "{Volume Shadow Copy: snapshot set {lb}{uuid}{rb} created for C:\\\\|Failed to create the backup catalog for volume D:|Windows Backup finished successfully}"),
    t("rsync", BACKUPTOOL, "I", "rsync backup to {host}:/backups {completed|done}, sent {bytes} bytes received {bytes} bytes"),
    t("archive-logs", BACKUPTOOL, "I", "Archiving {logs|records} older than {int:7-365} days to {s3://archive-bucket/|/mnt/archive/|glacier vault {word}}"),
    t("velero", K8S, "I", "Backup {ns}/daily-{date} {completed|PartiallyFailed}; {int:10-900} items backed up"),
    t("upload", BACKUPTOOL, "I", "Uploaded backup archive {word}-{date}.tar.gz ({size}) to {s3|azure blob|gcs} bucket {word}-backups"),
    t("wal-archive", PG, "I", '{archived write-ahead log file "0000000100000{hex:3}000000{hex:2}"|archive command failed with exit code 1}'),
    t("retention", BACKUPTOOL, "I", "Retention policy: {removed|pruned} {int:1-60} expired backup{s|} {for {db}|older than {int:7-90} days}"),
    t("verify", BACKUPTOOL, "IE", "Backup verification {passed|failed} for {file} (checksum {hex:16})"),
    t("tar", BACKUPTOOL, "I", "Creating archive {word}-{date}.tar.gz of {path}"),
    t("es-snapshot", NOSQL, "I", "snapshot [{word}-repo:snap-{date}] {started|completed with state [SUCCESS]|failed}"),
    t("bacula", BACKUPTOOL, "IE", '{Job {job}.{date} Termination: Backup OK|Job {job}.{date} Termination: *** Backup Error ***|Job {job} waiting for a mount request on device "Tape{int:0-4}"}'),
    t("restic", BACKUPTOOL, "I", "{snapshot {hex:8} saved|Added to the repository: {size} ({size} stored)|processed {int:100-90000} files, {size} in {dur}}"),
    t("progress", BACKUPTOOL, "I", "Backup {progress|in progress}: {pct}% ({size} of {size}){ for {db}|}"),
    t("skipped", BACKUPTOOL, "W", "Scheduled backup for {db} skipped: previous run still in progress"),
    t("etcd", K8S, "I", "{saved snapshot to /var/lib/etcd-backup/snapshot-{date}.db|etcd snapshot saved, size {size}}"),
    t("time-machine", MAC, "I", "{Backup completed successfully.|Starting automatic backup|Backing up to /Volumes/{word}/Backups.backupdb|Copied {size} from volume Macintosh HD.}"),
    t("replicate-copy", BACKUPTOOL, "I", "{Replicating backup set {hex:8} to {region}|Offsite copy of backup {word}-{date} finished}"),
    t("window-missed", BACKUPTOOL, "W", "Backup window missed for {host}; next attempt at {clock}"),
    t("zk-snapshot", ZK, "I", "Snapshotting: 0x{hex:9} to /var/lib/zookeeper/version-2/snapshot.{hex:9}"),
    t("db-dump-json", APP, "I", "{Database backup {db}_{date}.dump created ({size})|Copy of {table} written to backup store|Point-in-time restore of {db} to {date} {clock} started}"),
]

INFO = [
    # Thread and worker lifecycle, connection teardown: routine even when logged at WARN
    # ("leaving", "exiting" here are not retirements; the first head read them as deprecations).
    t("logind-removed", SYSTEMD, "I", "{Removed session {int:1-9999}.|Session {int:1-9999} logged out. Waiting for processes to exit.|Watching system buttons on /dev/input/event{int:0-9} (Power Button)}"),
    t("k8s-container-routine", K8S, "I", '{Created container {service}|Successfully pulled image "registry.local/{service}:{version}" in {dur}|Scaled up replica set {pod} to {int:1-9}|Container image "{service}:{version}" already present on machine}'),
    t("dockerd-routine", DAEMON, "I", "{Loading containers: done.|Loading containers: start.|API listen on /var/run/docker.sock|Default bridge (docker0) is assigned with an IP address 172.17.0.0/16}"),
    t("thread-lifecycle", WORKERS, "IWD", "{{Send|Receive|Sender|Receiver|Reader|Writer|Listener|Flusher|Cleanup|IO|Dispatcher} {worker|thread} {leaving|exiting|finished|stopped|terminating|done}{ thread| loop| for peer {int:1-9}|}|Thread {word}-{int:1-64} {exiting|exited normally|stopped|started}|{Stopping|Starting|Interrupting} {the |}{worker|reader|sender|consumer} thread{ for {word}| {int:1-64}|}|Worker {int:1-64} idle, leaving the pool|Interrupted while waiting for {a message|work|a task} on {the |}queue{; exiting|}|Shutting down {int:1-64} worker threads{ of pool {word}|}|Thread pool {word} resized to {int:2-64} threads}"),
    t("peer-teardown", WORKERS, "WI", "{Interrupting the send worker for peer {int:1-5}|Receive worker for peer {int:1-5} interrupted; leaving|Send worker waiting on an empty queue was interrupted|Closing connection to peer {int:1-5} ({word})|Channel to {ip}:{port} closed by remote; will reconnect when needed|Dropping idle connection to {host}:{port}}"),
    t("ssh-connection", SSH, "I", "{Received disconnect from {ip}{ port {port}|}:{ |}11: {Bye Bye|disconnected by user|Closed due to user request.|Normal Shutdown}{ [preauth]|}|Disconnected from {ip} port {port}{ [preauth]|}|Connection closed by {ip}{ port {port}|}{ [preauth]|}|Connection reset by {ip} port {port}{ [preauth]|}|Connection from {ip} port {port} on {ip} port 22|Did not receive identification string from {ip}{ port {port}|}}"),
    t("daemon-connection", FTPD, "I", "{new connection from {ip} ({host}) at {date} {clock}|incoming connection from {ip} ({|{host}})|accepted connection from {ip}:{port}|START: {ftp|telnet|rsync} pid={pid} from={ip}}"),
    # Added after the §5 measurements (docs/training.md): routine genres the first head left
    # below the threshold on LogHub (YARN application-master scheduling, runner timings,
    # session expiry). Our own wording, random fields.
    t("yarn-am-scheduling", HADOOP, "I", "{Recomputing the schedule; headroom is <memory:{int:0-8192}, vCores:{int:0-40}>|Slow-start threshold for reduces not yet reached ({int:0-20} of {int:20-40} maps done)|Scheduling stats: pending reduces {int:0-9}, scheduled maps {int:0-20}, assigned maps {int:0-20}, completed maps {int:0-20}|Job configuration file is at {path}/job.xml on the remote filesystem|Assigning {int:1-9} new containers; headroom <memory:{int:0-8192}, vCores:{int:0-40}>}"),
    t("runner-timings", SPARK, "I", "{Elapsed: total = {int:1-900}, startup = {int:1-90}, run = {int:1-900}, cleanup = {int:0-9}|Timing breakdown: total={int:1-900}ms setup={int:1-90}ms run={int:1-900}ms teardown={int:0-9}ms|Worker timings - total {int:1-900} ms, startup {int:1-90} ms, compute {int:1-900} ms}"),
    t("session-expiry", ZK, "I", "{Session 0x{hex:15} expired after {int:1000-60000}ms without a heartbeat; closing it|Closing expired session 0x{hex:15} (timeout {int:1000-60000}ms)|Session timeout of {int:1000-60000}ms passed for 0x{hex:15}; expiring}"),
    # Added after measuring the standard head on LogHub (2026-12-01): the routine internals of
    # JVM frameworks and daemons, logged by class (components registered, created, started;
    # configuration values reported; scheduling thresholds not yet met; task hand-out;
    # heartbeats; a peer's address re-resolved). Our own wording; the head left such lines unsure.
    t("jvm-registration", JVM, "ID", "{Registering|Registered|Adding|Added} {handler|listener|event handler|callback|codec|serializer|servlet filter|MBean|plugin} {{org.apache|com.example|io.acme}.{word}.{Job|Task|Commit|Shuffle|Container|Node|Checkpoint|Index}{EventType|Event$Type|Handler|Listener}|'{word}Handler'|{word}-{listener|filter}} {for class|for event type|with the dispatcher|on channel|under key} {{org.apache|com.example}.{word}.{Job|Task|App|Container}{EventDispatcher|Manager|Impl|Service}|{word}.{events|ops}|{int:1-64}}"),
    t("jvm-component-init", JVM, "ID", "{Created|Instantiated|Initialized|Initializing|Constructed|Bootstrapping} {the |}{JobCoordinator|ContainerAllocator|ShuffleHandler|TaskScheduler|RecordAccumulator|IndexService|MetricsSystem|RpcServer|ResourceTracker|NodeStatusUpdater|CheckpointCoordinator|GroupCoordinator|LogManager|ReplicaManager|SessionFactory|ClientService|StateBackend|WebAppContext}{ for application {application|app|job}_{int}_{int:1-9999}| at {host}/{ip}:{port}| with {int:1-64} threads| using {word}.properties| in {int:1-900} ms|}"),
    t("jvm-subservice-start", JVM, "I", "{{RPC|IPC|Netty|Jetty|Transport} server {listener|responder|reader #{int:1-8}|handler {int:0-30}} on {port}: {starting|started|running}|{Starting|Started} {sub-service|component|module} {word}{Service|Manager|Tracker}{ in state STARTED| ({int:1-9} of {int:9-20})|}|Service {word}{Service|Manager} is in state {INITED|STARTED}|Bound {HTTP|transport|admin} endpoint to {ip}:{port}|Web UI for {word} listening at http://{host}:{port}}"),
    t("jvm-config-value", JVM, "ID", "{{maxContainerCapability|minimumAllocation|{word}.buffer.size|num.partitions|fetch.max.bytes|heartbeat.interval.ms|io.sort.factor|task.max.attempts|index.refresh_interval} {is|set to|=|:} {<memory:{int:1024-65536}, vCores:{int:1-64}>|{int:1-65536}|{int:1-900}ms|{size}}|Using {new|old|default|{word}} {committer|partitioner|serializer|codec|allocator}{ class {com.example|org.apache}.{word}.{Default|Simple}{Committer|Partitioner}|}|{OutputCommitter|Partitioner|Serializer|Compression codec} {set|resolved} {in|from} {config|defaults} {null|{word}|org.apache.{word}.{Default|Simple}{Committer|Codec}}|Effective {settings|configuration}: {word}={int:1-900}, {word}={true|false}, {word}={int:1-64}}"),
    t("jvm-threshold-wait", JVM, "ID", "{{Reduce|Map|Ramp-up|Slow-start|Warm-up} {threshold|condition|quota} not {met|reached}{ yet|}{.|;} {completed {maps|tasks|splits} {int:0-40}|{int:0-40} of {int:40-90} {maps|tasks} done|{pct}% done, {int:50-100}% required}|Not enough {headroom|free slots|memory} to schedule {reduces|pending tasks} yet ({int:0-9} pending); waiting|Waiting for {int:1-9} more {executors|workers|task managers|brokers} before scheduling ({int:0-9} of {int:9-20} registered)|Minimum {replicas|nodes|members} not yet available ({int:0-2}/{int:3-5}); {delaying|deferring} {assignment|rebalance|leader election}|Deferring {int:1-40} {requests|tasks}: {memory|CPU|slot} limit not reached yet}"),
    t("jvm-task-handout", JVM, "ID", "{{Child JVM|Worker|Executor|TaskManager|Container} {id|#|} {jvm_{int}_{int:1-99}_{m|r}_{int:1-99}|{hex:8}|{int:1-64}} {received|was handed|picked up|got} {task|split|partition|slot} {attempt_{int}_{int:1-99}_{m|r}_{int:0-99}_{int:0-3}|{word}-{int:0-31}|{int:0-9000}}|{Child JVM|Worker|Executor} {id|#} {jvm_{int}_{int:1-99}_{m|r}_{int:1-99}|{hex:8}|{int:1-64}} {requested|is requesting|polled for} {a task|work|new splits}|Assigning {partition|shard|split} {word}-{int:0-31} to {consumer|worker|node} {host}{ (generation {int:1-90})|}|Task {task_{int}_{int:1-99}_{m|r}_{int:0-99}|{word}-{int:0-31}} {moved|transitioned|went} from {SCHEDULED|NEW|PENDING|DEPLOYING} to {RUNNING|SCHEDULED|DEPLOYING}|{Speculator|Scheduler} event {ATTEMPT_START|TASK_READY|JOB_CREATE} for {task|job}_{int}_{int:1-99}{_m_{int:0-99}|}}"),
    t("jvm-heartbeat", JVM, "ID", "{{Received|Sent|Sending|Processed} heartbeat {from|to} {node|broker|task manager|executor|worker|member} {host}:{port}{ (latency {int:1-90} ms)| in {int:1-90} ms|}|Heartbeat {response|ack} from {the |}{ResourceManager|coordinator|master|leader}: {int:0-9} {containers allocated|tasks assigned|partitions assigned}|Node {host}:{port} status reported: {int:0-40} containers running, {int:0-9} completed|Member {hex:8} {heartbeat|lease} {renewed|refreshed} ({int:1-30}s left)}"),
    t("address-reresolved", WORKERS, "IW", "{{Address|Server address|Endpoint address} change {detected|noticed} for {host}:{port}{: was {ip}, now {ip}|; previously {ip}|}|Detected a new address for {host}: {ip} (previously {ip})|Re-resolved {host} to {ip} (was {ip}); updating the connection|Endpoint of {service} moved from {ip}:{port} to {ip}:{port}|DNS for {host} now returns {ip} instead of {ip}}"),
    t("kafka-flink-es-routine", JVM, "I", "{[Consumer clientId={word}-{int:1-9}, groupId={word}] {Discovered group coordinator {host}:{port}|Successfully joined group with generation {int:1-90}|Adding newly assigned partitions: {word}-{int:0-31}|Setting offset for partition {word}-{int:0-31} to the committed offset {int}}|Checkpoint {int:1-9000} of job {hex:32} {triggered|completed} ({size} in {int:1-9000} ms)|[{host}] {added|updated} mapping [{word}] of index [{word}-{date}]|Cluster health status changed from [{YELLOW|RED}] to [GREEN]|Gossip: node /{ip} is now part of the cluster|Handshake with /{ip} completed, {int:1-9} tokens owned}"),
    t("memory-store", JVM, "ID", "{Put {block|partition|entry} {rdd|broadcast|part}_{int:0-90}_{int:0-90} into the {memory store|off-heap store|block cache} ({size}, {size} free)|Cached {int:1-90000} rows of {table} in memory ({size})|Evicting block {rdd|broadcast}_{int:0-90} from memory to free {size}|Block cache: {int:1-9000} blocks, {size} used, {size} free|Memory store holds {int:1-900} blocks ({pct}% of capacity)|Spilling in-memory map of {size} to disk}"),
    t("topology-resolve", JVM, "ID", "{Resolved {host} to rack /{default-rack|rack-{int:1-40}|dc1/rack{int:1-40}}|Node {host} placed in rack /rack-{int:1-40}|Topology: {host} -> /{dc1|dc2}/rack{int:1-40}|Rack of {ip} is /{default-rack|rack-{int:1-40}}|Adding node {host}:{port} to the cluster topology}"),
    t("noop-sweep-jvm", JVM, "ID", "{No {reassignment|rebalance|compaction|checkpoint} needed{ for {word}|}|Skipping {flush|merge|sync} of {word}: no pending changes|{Config|Assignment|Leadership} unchanged after {refresh|poll} ({int:1-90} ms)|{int:0-0} {partitions|shards|regions} to move; {cluster|balancer} is balanced}"),
    t("cache-put", SPARK, "ID", "{{Entry|Block|Partition|Object} {rdd|broadcast|part|key}_{int:0-90}{_{int:0-90}|} {stored|cached|kept} {in memory|on heap|off heap|in the block cache} ({size}, {size} left)|{Put|Added} {key|block|partition} {rdd|broadcast|part}_{int:0-90} to {the memory store|the LRU cache|the result cache} (size {size}, free {size})|Memory store: {int:1-900} blocks using {size}, {size} available|Block {rdd|broadcast}_{int:0-90} dropped from memory ({size} freed)}"),
    t("access-2xx", WEB, "I", '{ip} - {-|{user}} [{int:10-28}/{Jan|Mar|May|Jul|Oct|Dec}/20{int:15-24}:{clock} +0000] "{method} {url} HTTP/{1.1|2.0}" {200|200|200|201|204|301|302|304} {int:0-90000} "{-|https://example.com/}" "{agent}"'),
    t("nova-wsgi", NOVA_API, "I", '{ip} "{GET|GET|POST|DELETE} /v2/{hex:32}/servers{/detail|/{uuid}|} HTTP/1.1" {status:|HTTP status code -} {200|202|204} len: {int:200-3000} time: {dec:0-2}'),
    t("hdfs-receiving", HDFS, "I", "{Receiving block {blk} src: /{ip}:{port} dest: /{ip}:50010|Received block {blk} of size {int:1000-67108864} from /{ip}|PacketResponder {int:0-2} for block {blk} terminating}"),
    t("hdfs-served", HDFS, "I", "{{ip}:50010 Served block {blk} to /{ip}|Verification succeeded for {blk}|BLOCK* NameSystem.addStoredBlock: blockMap updated: {ip}:50010 is added to {blk} size {int:1000-67108864}}"),
    t("spark-task", SPARK, "I", "{Finished task {int:0-200}.0 in stage {int:0-40}.0 (TID {int:0-9000}){ in {int:5-9000} ms|. {int:1000-3000} bytes result sent to driver}|Running task {int:0-200}.0 in stage {int:0-40}.0 (TID {int:0-9000})|Got assigned task {int:0-9000}}"),
    t("spark-block", SPARK, "I", "{Block {rdd|broadcast}_{int:0-90}{_piece0|} stored as {values|bytes} in memory (estimated size {dec:1-900} {B|KB|MB}, free {dec:1-900} {KB|MB|GB})|Found block rdd_{int:0-90}_{int:0-90} locally|Reading broadcast variable {int:0-90} took {int:1-900} ms}"),
    t("health", APP, "I", "{Health check passed{ (status=UP)|: all {int:2-12} checks OK|}|GET /health 200 {int:1-40}ms|readiness probe succeeded}"),
    t("cache-stats", APP, "I", "{Cache hit ratio {pct}% ({int:10-99999} hits, {int:1-9999} misses)|cache stats: size={int:10-9000} evictions={int:0-900}}"),
    t("resource-reading", APP, "I", "{CPU usage {pct}%, memory usage {pct}%|Memory: {int:100-16000}MB used of {int:16000-64000}MB|load average: {dec:0-4}, {dec:0-4}, {dec:0-4}|Disk usage on /: {pct}% used ({size} free)}"),
    t("kafka-consumed", APP, "I", "{Processed {int:1-5000} messages from topic {orders|events|payments|clicks} partition {int:0-31}|Committed offset {int} for partition {word}-{int:0-31}}"),
    t("request-done", APP, "ID", "{Request {method} {url} completed in {int:1-2000}ms with status {200|201|204}|{method} {url} -> 200 ({int:1-900} ms)|handled request id={hex:12} path={url} status=200 duration={int:1-900}ms}"),
    t("pool-stats", DBAPP, "ID", "Connection pool stats: active={int:0-40} idle={int:0-40} waiting=0"),
    t("k8s-sync", K8S, "I", "{Reconciling {Deployment|Service|ConfigMap} {ns}/{service}|Successfully synced pod {ns}/{pod}|SyncLoop (PLEG): event for pod {ns}/{pod}}"),
    t("zk-session", ZK, "I", "{Accepted socket connection from /{ip}:{port}|Established session 0x{hex:15} with negotiated timeout {int:5000-40000} for client /{ip}:{port}|Processed session termination for sessionid: 0x{hex:15}}"),
    t("hadoop-transition", HADOOP, "I", "{attempt_{int}_{int:1-99}_m_{int:0-99}_0 TaskAttempt Transitioned from {NEW to UNASSIGNED|ASSIGNED to RUNNING|RUNNING to SUCCESS_CONTAINER_CLEANUP}|Assigned container {yarn_container} to attempt_{int}_{int:1-99}_m_{int:0-99}_0|Progress of TaskAttempt attempt_{int}_m_{int:0-99}_0 is : 0.{int:1-99}}"),
    t("message-sent", APP, "ID", "{Sent {int:10-90000} bytes to {ip}:{port}|Message {hex:12} delivered to queue {orders|notifications|emails}|Published event {order.created|user.updated} to {kafka|rabbitmq}}"),
    t("proxy-open", PROXY, "I", "{chrome.exe|firefox.exe|outlook.exe|svchost.exe} - {host}.com:{443|80} {open through proxy proxy.{host}.net:{port} {HTTPS|SOCKS5}|close, {int:0-99999} bytes sent, {int:0-999999} bytes received, lifetime {int:1-99}:{int:10-59}}"),
    t("step-progress", APP, "I", "{Step {int:1-9}/{int:9-12} of {job} done|{job}: processed {int:1-99999} of {int:100000-200000} records ({pct}%)|Batch {int:1-900} of {job} committed}"),
    t("heartbeat", APP, "D", "{Heartbeat received from {host}|heartbeat ok ({int:1-90}ms)|Ping from {ip} answered}"),
    t("scheduling", SPARK, "I", "{Submitting {int:1-400} missing tasks from ResultStage {int:0-40}|Adding task set {int:0-40}.0 with {int:1-400} tasks|Starting task {int:0-200}.0 in stage {int:0-40}.0 (TID {int:0-9000}, {host}, partition {int:0-200}, PROCESS_LOCAL, {int:2000-9000} bytes)}"),
    t("metrics", APP, "I", "{Metrics: {int:1-9000} requests/s, p99 latency {int:1-900} ms|throughput={int:1-900} msg/s lag={int:0-90}|GC pause {int:1-90}ms, heap {pct}% used}"),
    t("queue-depth", APP, "I", "Queue {orders|emails|jobs|default} depth {int:0-900}, consumers {int:1-32}"),
    t("upstream-ok", APP, "I", "{Received response from {service} in {int:1-900} ms|Call to {service} succeeded ({int:1-900}ms)}"),
    t("apache-ok", WEB_ERR, "I", "{workerEnv.init() ok /etc/httpd/conf/workers2.properties|jk2_init() Found child {int:1000-30000} in scoreboard slot {int:0-20}|mod_jk child init 1 -2}"),
    t("nova-codebasics", NOVA_API, "I", '{ip} "GET /v2/{hex:32}/servers/detail HTTP/1.1" RCODE  {200|204} len: {int:200-3000} time: {dec:0-2}'),
    t("bytes-transferred", APP, "I", "{Transferred {size} to {host} in {dur}|Download of {file} complete ({size})|Uploaded part {int:1-99} of {file}}"),
    t("lb-check", WEB_ERR, "I", "{Server {host}:{port} is UP, reason: Layer7 check passed, code: 200|backend {service} has {int:1-9} servers online}"),
    t("win-cbs", WIN, "I", "{Loaded Servicing Stack v{version} with Core: C:\\\\Windows\\\\winsxs\\\\cbscore.dll|Session: {int}_{int} initialized by client WindowsUpdateAgent.|Read out cached package applicability for package: Package_for_KB{int:100000-999999}}"),
    t("android-routine", ANDROID, "I", '{Start proc {int:1000-30000}:com.{word}.app/u0a{int:10-300} for activity|Displayed com.{word}.app/.MainActivity: +{int:100-2000}ms|acquire lock={int}, flags=0x1, tag="View Lock"}'),
    # Moved from SYSTEM_NOTIFICATION (issue 13's label conventions): systemd-target, cron-cmd, config-reload, scheduled-done, files-processed, spark-service, zk-role, cert-renewed, logrotate, pkg-upgrade, mount, maintenance, cluster-join, ntp-sync, hotplug.
    t("systemd-target", SYSTEMD, "I", "Reached target {Multi-User System|Network is Online|Graphical Interface|Timers|Shutdown}."),
    t("cron-cmd", CRON, "I", "({sysuser}) CMD ({run-parts /etc/cron.{hourly|daily|weekly}|/usr/local/bin/{job}.sh|/usr/lib/sa/sa1 1 1|php /var/www/cron.php})"),
    t("config-reload", APP, "I", "{Configuration reloaded from {/etc/app/config.yaml|/etc/nginx/nginx.conf|settings.toml}|Received SIGHUP, reloading configuration|Config change detected, reloaded {int:2-40} settings}"),
    t("scheduled-done", APP, "I", "{Scheduled job|Cron job|Nightly task} {job} completed{ successfully| in {dur}|}"),
    t("files-processed", BIZ, "I", "{Processed {int:1-5000} files from {path}|File {file} processed{ successfully| in {dur}|}}"),
    t("spark-service", SPARK, "I", "Successfully started service '{sparkDriver|NettyBlockTransferService|SparkUI}' on port {port}."),
    t("zk-role", ZK, "I", "{Peer state changed to {LEADING|FOLLOWING} (election took {int:10-900} ms)|Server started on port {port}|Snapshot loading finished, server is up}"),
    t("cert-renewed", APP, "I", "{Certificate for {host}.example.com renewed, valid until {date}|TLS certificate reloaded for {host}}"),
    t("logrotate", DAEMON, "I", "{Log rotation completed for /var/log/{service}.log|rotating log files: {int:2-30} files rotated}"),
    t("pkg-upgrade", DAEMON, "I", "{Package {openssl|nginx|kernel|tzdata|python3} upgraded from {version} to {version}|Installed: {curl|vim|htop}-{version}.x86_64}"),
    t("mount", SYSTEMD, "I", "{Mounted {/home|/data|/var/lib/docker|/mnt/share}.|Mounting NFS filesystems: succeeded|Unmounted {/mnt/usb|/media/backup}.}"),
    t("maintenance", BIZ, "I", "Maintenance mode {enabled|disabled} {by scheduler|for {service}|}"),
    t("cluster-join", APP, "I", "{Node {host} joined the cluster|Node {host} left the cluster gracefully|Cluster membership changed: {int:2-12} nodes}"),
    t("ntp-sync", DAEMON, "I", "{Time synchronized with NTP server {ip}|clock step of {dec:0-2}s applied|synchronized to {ip}, stratum {int:1-4}}"),
    t("hotplug", KERNEL, "I", "{usb {int:1-4}-{int:1-4}: new {high|full}-speed USB device number {int:2-20} using ehci_hcd|eth{int:0-3}: link up, {100|1000} Mbps, full-duplex}"),
    # ("generating core.N" and node boot commands moved out on 2026-12-07: a core file is a
    # crash, WORKFLOW_ERROR; a node booting is a server starting, SYSTEM_NOTIFICATION)
    # Moved from UNCLASSIFIED (issue 13's label conventions): kernel-boot, kernel-devices, parity, bgl-regs, android-ui, healthapp, debug-trace, mac-hw, win-internal, config-dump, hpc-state, hadoop-setup, zk-election, spark-acl.
    t("kernel-boot", KERNEL, "I", "{BIOS-e820: {hex:16} - {hex:16} (usable)|Memory: {int:100000-900000}k/{int:100000-900000}k available|Calibrating delay loop... {dec:1000-9000} BogoMIPS|PCI: Using configuration type {int:1-2}|CPU{int:0-7}: L2 cache: {int:256-4096}K|ACPI: Subsystem revision {int:20000000-20300000}|Console: colour VGA+ 80x25}"),
    t("kernel-devices", KERNEL, "I", "{usbcore: registered new driver {hub|usbfs|usbhid}|NET: Registered protocol family {int:1-40}|SELinux:  Initializing.|Dentry cache hash table entries: {int:1000-300000} (order: {int:1-9}, {int:1000-9000000} bytes)|isapnp: Scanning for PnP cards...}"),
    t("parity", HPC, "I", "{instruction cache parity error corrected|{int:1-30} ddr error(s) detected and corrected on rank 0, symbol {int:0-30}|total of {int:1-20} ddr error(s) detected and corrected}"),
    t("bgl-regs", HPC, "I", "{data address space.......{int:0-1}|Machine State Register: 0x{hex:8}|floating point instr. enabled.....{int:0-1}|{int:1-9} torus receiver z+ input pipe error(s) (dcr 0x{hex:4}) detected and corrected}"),
    t("android-ui", ANDROID, "D", "{onTouchEvent action=ACTION_DOWN x={dec:0-1000} y={dec:0-2000}|visible is {true|false}|mHeadsUpExistenceChangedRunnable|setSystemUiVisibility vis=0x{hex:4} mask=0x{hex:4}|printFreezingDisplayLogs opening app wtoken}"),
    t("healthapp", ANDROID, "D", "{onStandStepChanged {int:100-9000}|getTodayTotalDetailSteps = {int:1000-99999}##{int:0-9999}|flushTempCacheToDB by {stand|step}|REPORT : {int:1000-9000} {int:0-99} {int:100-9999}}"),
    t("debug-trace", APP, "D", "{entering {word}() with args=({int:0-99}, '{word}')|exit {word}() -> {True|None|{int:0-99}}|cache key {hex:32}|var {word}={int:0-9999}|tick {int}}"),
    t("mac-hw", MAC, "D", "{AirPort: Link Down on awdl0. Reason 1 (Unspecified).|IOThunderboltSwitch<0>(0x0)::listenerCallback - Thunderbolt HPD packet for route = 0x0 port = {int:1-12}|ARPT: {dec:100000-900000}: wl0: setup_keepalive: interval 900|Wake reason: {RTC (Alarm)|EC.LidOpen}}"),
    t("win-internal", WIN, "D", "{{hex:8}@2016/9/27:20:30:31.{int:100-999} CSI Transaction @0x{hex:12} destroyed|Scavenge: Starts|SQM: Cleaning up report files older than {int:5-30} days.|Idle processing thread terminated normally}"),
    t("config-dump", APP, "D", "{{word}.{word} = {int:0-9999}|Server environment:{java.version|os.name|user.dir}={word}|maxSessionTimeout set to {int:10000-90000}|kernel.core_uses_pid = 1}"),
    t("hpc-state", HPC, "I", '{ambient={int:18-40}|Component State Change: Component \\"alt{int:0-3}\\" is in the {running|available} state|inconsistent nodesets node-{int:1-500} 0x{hex:8} <ok>}'),
    t("hadoop-setup", HADOOP, "I", "{Added filter {word}_FILTER to context static|adding path spec: /{word}/*|Executing with tokens:|Kind: YARN_AM_RM_TOKEN, Service: , Ident: ({hex:8})|blacklistDisablePercent is {int:0-99}}"),
    t("zk-election", ZK, "I", "{Notification: {int:1-3} (n.leader), 0x{hex:9} (n.zxid), 0x{int:1-9} (n.round), LOOKING (n.state)|New election. My id =  {int:1-5}, proposed zxid=0x{hex:9}|LOOKING|FOLLOWING}"),
    t("spark-acl", SPARK, "I", "{Changing view acls to: {word},{word}|Registered BlockManager|Input split: hdfs://{host}:8020/data/{word}:{int:0-9000}+{int:1000-90000}}"),
]

WORKFLOW_ERROR = [
    # Added after the §5 measurements: non-database service failures the first head sent to
    # DB_ERROR or INFO (cluster managers, port binding, lease renewal, monitoring collectors).
    # Failing to reach a service that is not a database (cluster manager, broker, peer,
    # coordinator): terse and shouted wordings too; the first head sent these to DB_ERROR.
    t("service-contact", WORKERS, "EW", "{{ERROR IN CONTACTING|Error in contacting|Error contacting|Exception while contacting|Failed contacting|Problem contacting} {RM|NM|AM|NN|JT|the {ResourceManager|NameNode|JobTracker|master|scheduler|coordinator|broker|leader|registry}}{.| - will retry|, retrying in {int:1-30}s|}|FAILED TO CONTACT {MASTER|SCHEDULER|COORDINATOR|BROKER}{.|, RETRYING}|{Connection to node {int:0-9} ({host}/{ip}:{port}) could not be established. Broker may not be available.|Could not open a channel to peer {int:1-5} at /{ip}:{port}|Failed to connect to {the |}{message broker|job scheduler|cluster master|leader|name node|metrics gateway|SMTP relay} at {host}:{port}: {Connection refused|connect timed out|No route to host}|Unable to reach {service} at {ip}:{port}; {int:1-9} retries left}}"),
    t("rm-contact", HADOOP, "E", "{ERROR IN CONTACTING RM.|ERROR IN CONTACTING {NM|AM}.|Error communicating with the ResourceManager; will retry|ERROR while contacting the resource manager: {javaexc}|Lost contact with the resource manager at {host}:{port}}"),
    t("bind-failed", DAEMON, "E", "{error: cannot bind port {port} on {ip}: Address already in use|Could not bind listener to {ip}:{port}: address in use|bind() to 0.0.0.0:{port} failed (98: Address already in use)}"),
    t("lease-renew", HADOOP, "W", "{Could not renew lease for client {word} after {int:30-600} seconds, retrying soon|Lease renewal for {word} failing for {int:30-600}s; will try again}"),
    t("monitor-no-answer", DAEMON, "WE", "{data source {word} did not answer; no metrics collected|{poll|fetch|data}_thread() got no reply from {any|the} {word} data source{s|}|collector thread: no answer from any source of {word}|Metrics collector got no reply from any host of cluster {word}|Warning: could not resolve data source name {host}}"),
    # Added after measuring the standard head on LogHub (2026-12-01): an RPC client retrying a
    # connection (work waiting on a peer that does not answer, often logged at INFO) and
    # collectors or pollers getting no answer from a data source or peer.
    t("client-connect-retry", WORKERS, "IW", "{Retrying connection to {host}:{port} ({int:1-9} of {int:10-50} attempts made){; sleeping {int:1-10}s|}|Connect attempt {int:1-9} to {the resource manager|broker {int:0-9}|the coordinator|the name node|{service}} at {host}:{port} failed; retrying in {int:100-5000} ms|Reconnecting to {host}:{port} after failure (attempt {int:1-9}/{int:10-30}, backoff {int:100-9000}ms)|Could not connect to {host}:{port}; retry policy {fixed sleep|exponential backoff|up to maximum count} ({int:1-40} retries left, sleep {int:100-5000} ms)|Still unable to connect to {the coordinator|the ZooKeeper ensemble|the master|{host}:{port}} after {int:2-50} attempts; will retry|{Connection|Socket} to {node|peer|server} {host}:{port} {timed out|was refused}; retry {int:1-9} of {int:10-30} scheduled|Server {host}:{port} not reachable, already retried {int:1-9} time{s|}; next try in {int:1-30}s}"),
    t("source-no-answer", MONITOR, "IWE", "{{poller|collector|fetch_thread()|poll_loop()|scrape loop|{word}_thread()} {got no|received no|did not get an|never got an} {answer|response|reply} from {any|the} {data source|datasource|agent|peer|upstream source}{s|} {[{word}_{int:1-9}]|for cluster {word}|of {host}}|No response from {peer|node|agent|data source} {host} within {int:2-60} s; {marking it down|skipping this round|will poll again}|{Datasource|Data source|Source} [{word}_{int:1-20}] not responding; {int:1-9} of {int:10-40} sources failed|Timed out waiting for a reply from {host}:{port} ({int:100-30000} ms)|Peer {host} did not answer {ping|poll|status request} {int:2-9} times in a row|No data received from {host} in {int:30-900} seconds; metrics for {word} are stale}"),
    t("peer-no-answer-jvm", WORKERS, "WE", "{No {answer|response} from {peer|replica|member|server} {int:1-9} at {ip}:{port} after {int:1000-30000} ms|{Request|Call} to {host}:{port} got no reply within {int:1-60}s; {giving up|aborting the {fetch|sync|heartbeat}}|Lost contact with {peer|member|broker} {host}: {int:2-9} {heartbeats|probes} unanswered}"),
    t("lease-renew-failing", JVM, "WE", "{{Failed|Unable} to renew {the |}{lease|session|lock|token} {for|of} {client|holder|owner} {word}-{int:1-9999} {for|after} {int:30-900} seconds{; will try again soon| - retrying|; next attempt in {int:1-30}s|}|failed to renew lease {ns}/{service}: timed out waiting for the condition|Lease keep-alive {hex:16} failed: context deadline exceeded; {int:1-9} keep-alives missed|Leader lease not renewed within {int:5-60}s; stepping down and stopping {int:1-40} tasks|Could not extend lock {word} held by {host}: {int:2-9} attempts failed}"),
    t("job-failed", APP, "E", "{Job {job} failed {after {int:2-5} retries|with exit code {int:1-255}|at step {int:1-9}}|{job} run #{int:1-9000} FAILED}"),
    t("spark-lost-task", SPARK, "WE", "{Lost task {int:0-200}.0 in stage {int:0-40}.0 (TID {int:0-9000}, {host}): {javaexc}|Task {int:0-200} in stage {int:0-40}.0 failed {int:1-4} times; aborting job|ExecutorLostFailure (executor {int:1-40} exited caused by one of the running tasks)}"),
    t("escalation", BIZ, "E", "{Escalation rule {int:100-999} failed for ticket {ticket}|Case escalation for ticket {ticket} failed: {no assignee available|SLA policy missing}|Ticket {ticket} escalation stuck in queue}"),
    t("approval-stuck", BIZ, "E", "{Approval workflow {word}-{int:1-99} stuck in state PENDING for {int:2-96} hours|Purchase order {ticket} approval timed out|Invoice approval rejected by rules engine: {missing cost center|amount over limit}}"),
    t("py-unhandled", APP, "E", "{Unhandled exception in {service}: {pyexc}: {word}|Traceback (most recent call last): {pyexc} raised in process_{word}|Worker {int:1-32} crashed: {pyexc}}"),
    t("java-exception", APP, "E", '{Exception in thread "{main|worker-{int:1-9}}" {javaexc}|Uncaught {javaexc} in {service}: request aborted|{javaexc}: Cannot invoke method on null object at com.example.{word}.Processor.run}'),
    t("segfault", KERNEL, "E", "{{daemon}[{pid}]: segfault at {hex:12} ip {hex:16} sp {hex:16} error {4|6} in lib{word}.so|traps: {service}[{pid}] general protection fault ip:{hex:12} sp:{hex:12} error:0}"),
    t("oom-kill", KERNEL, "E", "{Out of memory: Killed process {pid} ({service}) total-vm:{int:100000-9000000}kB|{service} invoked oom-killer: gfp_mask=0x{hex:5}, order=0|Memory cgroup out of memory: Kill process {pid} ({service})}"),
    t("k8s-crash", K8S, "WE", "{Back-off restarting failed container {service} in pod {pod}|Container {service} exited with code 137 (OOMKilled)|Pod {ns}/{pod} is in CrashLoopBackOff|Liveness probe failed: HTTP probe failed with statuscode: 500}"),
    t("hadoop-diag", HADOOP, "E", "{Diagnostics report from attempt_{int}_m_{int:0-99}_0: Error: java.net.{NoRouteToHostException|ConnectException}: {No Route to Host|Connection refused} from {host} to {ip}:{port}|Task attempt_{int}_r_{int:0-9}_0 failed with exit code 1|Job job_{int}_{int:1-99} failed with state FAILED due to: Task failed}"),
    t("order-failed", BIZ, "E", "{Order {order} processing failed: {payment gateway timeout|inventory reservation failed|address validation error}|Payment for order {order} could not be captured}"),
    t("pipeline-timeout", APP, "E", "{Pipeline {job} step {extract|transform|load|validate} timed out after {dur}|Stage {word} of pipeline {job} failed; downstream steps cancelled}"),
    t("handoff-rejected", BIZ, "E", "{Handoff of case {ticket} to {support|billing|legal} team rejected: {invalid state|missing data}|Task hand-off to {service} failed, task {ticket} returned to queue}"),
    t("invoice-aborted", BIZ, "E", "{Invoice generation aborted for account {acct}: {tax service unavailable|template not found}|Payroll run {date} aborted: {int:1-40} employee records invalid}"),
    t("kernel-panic", KERNEL, "F", "{Kernel panic - not syncing: {Fatal exception|Out of memory and no killable processes|Attempted to kill init!}|BUG: unable to handle kernel NULL pointer dereference at {hex:16}|watchdog: BUG: soft lockup - CPU#{int:0-63} stuck for {int:22-60}s!}"),
    t("hw-fault-job", HPC, "E", "{Uncorrectable ECC error on node-{int:1-500}, job {int:10000-99999} terminated|node-{int:1-500}: machine check exception, application killed|Job {int:10000-99999} aborted: node card not functional|rts panic, stopping execution on node {host}}"),
    t("interconnect", HPC, "E", "{Link error on interconnect {int:0-9}:{int:0-9}, {int:1-40} jobs failed|torus link training failed on {host}, partition unusable|Lustre mount failed on {host}: job cannot start}"),
    t("app-load", HPC, "E", "{ciod: failed to load {path}: invalid or missing program image|Error loading application {word}: Exec format error|ciod: Error reading message prefix on socket: Link has been severed}"),
    t("email-failed", BIZ, "E", "{Email service {experiencing issues with sending|failed to send notification to {email}}|SMTP delivery failed for {email}: 554 rejected|Notification dispatch failed: {int:1-900} messages undelivered}"),
    t("dead-letter", APP, "E", "{Failed to process message {hex:12} from queue {orders|events}: {pyexc}; moved to dead-letter queue|Consumer {service} gave up on message after {int:3-10} attempts}"),
    t("apache-error-state", WEB_ERR, "E", "{mod_jk child workerEnv in error state {int:1-9}|jk2_init() Can't find child {int:1000-30000} in scoreboard|child pid {int:1000-30000} exit signal Segmentation fault (11)}"),
    t("nginx-upstream", WEB_ERR, "E", '{upstream timed out (110: Connection timed out) while reading response header from upstream, client: {ip}, server: {host}, request: "{method} {url} HTTP/1.1"|connect() failed (111: Connection refused) while connecting to upstream, client: {ip}, upstream: "http://{ip}:{port}{url}"|no live upstreams while connecting to upstream}'),
    t("service-unreachable", APP, "E", "{Connection refused to {service} at {ip}:{port}; request aborted|Call to {service} failed: {503 Service Unavailable|read timeout after {dur}}; giving up|Circuit breaker open for {service}, rejecting requests}"),
    t("build-failed", APP, "E", "{Build #{int:1-9000} failed at stage '{test|compile|deploy}'|Deployment {service} rollout failed: progress deadline exceeded|Release {version} rolled back after failed health checks}"),
    t("zk-session-close", ZK, "WE", "{Exception causing close of session 0x{hex:15}: java.io.IOException: {Connection reset by peer|ZooKeeperServer not running}|Unexpected exception causing shutdown while sock still open|Connection broken for id {int:1-5}, my id = {int:1-5}}"),
    t("proxy-fail", PROXY, "E", "{chrome.exe|outlook.exe|svchost.exe} - {host}.com:443 error : Could not connect {through|to} proxy proxy.{host}.net:{port} - {connection attempt failed with error 10061|Proxy closed the connection unexpectedly.|Could not resolve proxy.{host}.net}"),
    t("unresponsive", BIZ, "F", "{Critical: {service} is unresponsive, {int:10-9000} requests dropped|{service} crashed and is being restarted|System crashed due to {driver|disk controller|memory} issues}"),
    t("validation", APP, "E", "{Data validation failed for batch {int:1-900}: {int:1-5000} records rejected|Import of {file} failed: malformed row {int:1-90000}|Report {word} could not be generated: template missing}"),
    t("io-error", KERNEL, "E", "{Buffer I/O error on device sd{a|b|c}{int:1-4}, logical block {int}|end_request: I/O error, dev sd{a|b}, sector {int}|EXT4-fs error (device sda{int:1-4}): ext4_find_entry: reading directory lblock 0}"),
    t("mac-crash", MAC, "E", "{Service exited due to SIGKILL|{word}d[{pid}]: crashed, relaunching|Process {word} terminated by signal 11}"),
    t("windows-fail", WIN, "E", "{Failed to install update KB{int:100000-999999}, error 0x80070{hex:3}|Installation of package failed, rolling back [HRESULT = 0x800f{hex:4}]|Failed to get next element [HRESULT = 0x800f{hex:4} - CBS_E_MANIFEST_INVALID_ITEM]}"),
]

DEPRECATION_WARNING = [
    t("hadoop-key", SPARK, "IW", "{mapred|dfs|io}.{job.id|task.id|tip.id|block.size|sort.mb} is deprecated{. Instead, use|; use| - please use} mapreduce.{job.id|task.attempt.id|task.id|blocksize|task.io.sort.mb}"),
    t("py-deprecation", APP, "W", "DeprecationWarning: {{word}_{load|parse|connect}()|the '{word}' argument|datetime.utcnow()|pkg_resources} is deprecated{ and will be removed in {version}|; use {word}_v2 instead|}"),
    t("future-warning", APP, "W", "FutureWarning: The default value of {word} will change from {True|'auto'|None} to {False|'warn'} in {version}."),
    t("k8s-api", K8S, "W", "{extensions|policy|batch|networking.k8s.io}/v1beta1 {Ingress|PodSecurityPolicy|CronJob|Deployment} is deprecated in v1.{int:16-25}+, unavailable in v1.{int:22-30}+{; use the v1 API|}"),
    t("javac", APP, "W", "[deprecation] {getDate|setHours|finalize|newInstance}() in {java.util.Date|java.lang.Object|java.lang.Class} has been deprecated{ and marked for removal|}"),
    t("npm", APP, "W", "npm WARN deprecated {request|har-validator|uuid|querystring|core-js}@{version}: {this package is no longer supported|use the native module instead|Please upgrade  to version 7 or higher}"),
    t("api-version", BIZ, "W", "{API version v{int:1-3} is deprecated and will be retired on {date}. Migrate to v{int:4-6}.|Legacy endpoint {url} is deprecated; clients should switch to /api/v{int:2-5}}"),
    t("config-obsolete", APP, "W", "{Config option '{word}_{timeout|mode|path}' is obsolete and will be ignored in a future release|Setting {word}.{enabled|size} is deprecated, use {word}.{enable|limit} instead}"),
    t("tls", WEB_ERR, "W", '{TLS {1.0|1.1} is deprecated; please upgrade clients to TLS 1.2 or later|the "ssl" directive is deprecated, use the "listen ... ssl" directive instead|SSLv3 support is deprecated and will be removed}'),
    t("spring-property", APP, "W", "Property '{spring|server|management}.{word}.{enabled|path}' is deprecated: {use the new property instead|no longer supported}"),
    t("sunset-endpoint", APP, "W", "Endpoint {method} {url} is deprecated (Sunset: {date}); {int:1-9000} calls this week"),
    t("feature-removal", BIZ, "W", "The {classic editor|legacy report builder|old dashboard|XML export} feature is deprecated and scheduled for removal in release {version}"),
    t("py-module", APP, "W", "{the imp module is deprecated in favour of importlib|distutils package is deprecated and slated for removal in Python 3.12|collections.{Mapping|Callable} is deprecated, import from collections.abc}"),
    t("docker-flag", DAEMON, "W", "{The --{link|net|storage-opt} flag is deprecated, use --{network|mount} instead|[DEPRECATION NOTICE] {Docker Image Format v1|aufs storage driver} is deprecated and will be removed}"),
    t("runtime-eol", APP, "W", "{Support for Python {3.6|3.7|3.8} is deprecated|Node.js {12|14|16} has reached end-of-life; upgrade the runtime|Java {8|11} runtime support will end on {date}}"),
    t("systemd-directive", SYSTEMD, "W", "{/etc/systemd/system/{service}.service:{int:5-30}: Unit uses {MemoryLimit|StartLimitInterval}=; please use {MemoryMax|StartLimitIntervalSec}= instead. Support for {MemoryLimit|StartLimitInterval}= will be removed soon.|Standard output type syslog is obsolete, automatically updating to journal.}"),
    t("php", WEB_ERR, "W", "PHP Deprecated:  {Function ereg()|Methods with the same name as their class|each()|create_function()} {is|are} deprecated in {/var/www/{word}.php|/srv/app/lib/{word}.php} on line {int:10-900}"),
    t("legacy-auth", BIZ, "W", "{Legacy {basic auth|API key} login is deprecated; switch to OAuth2|Password grant flow is deprecated and will be disabled on {date}}"),
    t("sshd-option", SSH, "W", "{/etc/ssh/sshd_config line {int:10-140}: Deprecated option {UsePrivilegeSeparation|RSAAuthentication|RhostsRSAAuthentication|UseLogin}|Deprecated option {KeyRegenerationInterval|ServerKeyBits}}"),
    t("gradle", APP, "W", "{Deprecated Gradle features were used in this build, making it incompatible with Gradle {8|9}.0|The {compile|runtime} configuration has been deprecated for dependency declaration}"),
    t("eol-plugin", BIZ, "W", "{Plugin {word}-connector {version} is end-of-life and will no longer receive updates|Integration with {word} v{int:1-3} is being retired; please migrate}"),
    t("crypto", APP, "W", "{SHA-1 signatures are deprecated and will be rejected after {date}|Key size {1024|768} is deprecated for RSA; use at least 2048 bits|MD5 password hashing is deprecated}"),
    t("method-removed", APP, "W", "{Method {word}.{get|set}{word}() will be removed in the next major version; call {word}.fetch() instead|Calling {word}() without a timeout is deprecated}"),
    t("oslo-option", APP, "W", 'Option "{word}_{uri|driver|timeout}" from group "{DEFAULT|database|api}" is deprecated{ for removal|. Use option "{word}" from group "{DEFAULT|api}"}.'),
    t("sql-mode", MYSQL, "W", "{'{NO_ZERO_DATE|NO_AUTO_CREATE_USER}' is deprecated and will be removed in a future release.|The syntax 'expire-logs-days' is deprecated and will be removed in a future release. Please use binlog_expire_logs_seconds instead.}"),
    t("android-api", ANDROID, "W", "{{word}: method {getDrawable|setTextAppearance}(int) is deprecated|AsyncTask is deprecated; use java.util.concurrent instead|Deprecated API usage in com.{word}.app: {startActivityForResult|onBackPressed}}"),
    t("jvm-flag", APP, "W", "{OpenJDK 64-Bit Server VM warning: Option {UseConcMarkSweepGC|MaxPermSize} was deprecated in version {9|14}.0 and will likely be removed in a future release.|Ignoring option PermSize; support was removed in 8.0}"),
]

# Lines that fit no label: what real logs are full of (boot chatter, hardware inventory,
# debug traces, UI events, counters). Offered only with include_fallback.
UNCLASSIFIED = [
    t("separator", APP, "D", "{==========================================|------ {word} ------|*** {word} ***|#########################}"),
    t("xml-fragment", APP, "D", "{<entry name='{serial|uuid}'>{hex:8}</entry>|</devices>|<memory unit='KiB'>{int:100000-9000000}</memory>|<vcpu placement='static'>{int:1-16}</vcpu>}"),
]

# The real-world catalogue: templates as data, one per line (corpus/standard_world.txt).
_WORLD = load_templates(__package__, "standard_world.txt", globals())
for _label, _templates in _WORLD.items():
    _lists = {"USER_ACTION": USER_ACTION, "SYSTEM_NOTIFICATION": SYSTEM_NOTIFICATION,
              "AUTH_ERROR": AUTH_ERROR, "DB_ERROR": DB_ERROR, "BACKUP": BACKUP, "INFO": INFO,
              "WORKFLOW_ERROR": WORKFLOW_ERROR, "DEPRECATION_WARNING": DEPRECATION_WARNING,
              "UNCLASSIFIED": UNCLASSIFIED}
    if _label not in _lists:
        raise ValueError(f"standard_world.txt: unknown label [{_label}]")
    _lists[_label].extend(_templates)

CATALOG = Catalog(
    taxonomy="standard",
    fallback="UNCLASSIFIED",
    by_label={
        "USER_ACTION": USER_ACTION,
        "SYSTEM_NOTIFICATION": SYSTEM_NOTIFICATION,
        "AUTH_ERROR": AUTH_ERROR,
        "DB_ERROR": DB_ERROR,
        "BACKUP": BACKUP,
        "INFO": INFO,
        "WORKFLOW_ERROR": WORKFLOW_ERROR,
        "DEPRECATION_WARNING": DEPRECATION_WARNING,
    },
    fallback_templates=UNCLASSIFIED,
)
