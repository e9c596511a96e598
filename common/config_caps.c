/*
 * The Linux capability names a workspace type may keep ([type.NAME]
 * cap_add): every workspace container drops ALL capabilities and gets
 * back only these.  Names as the engine takes them, without "CAP_";
 * "ALL" is refused, since it would undo the drop.
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_int.h"

static const char *const caps[] = {
	"AUDIT_CONTROL", "AUDIT_READ", "AUDIT_WRITE", "BLOCK_SUSPEND", "BPF",
	"CHECKPOINT_RESTORE", "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH",
	"FOWNER", "FSETID", "IPC_LOCK", "IPC_OWNER", "KILL", "LEASE",
	"LINUX_IMMUTABLE", "MAC_ADMIN", "MAC_OVERRIDE", "MKNOD", "NET_ADMIN",
	"NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW", "PERFMON", "SETFCAP",
	"SETGID", "SETPCAP", "SETUID", "SYS_ADMIN", "SYS_BOOT", "SYS_CHROOT",
	"SYS_MODULE", "SYS_NICE", "SYS_PACCT", "SYS_PTRACE", "SYS_RAWIO",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "SYSLOG", "WAKE_ALARM",
};

static int
known(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (strlen(caps[i]) == len && strncmp(caps[i], s, len) == 0)
			return 1;
	}
	return 0;
}

/* "CHOWN,SETUID": known names separated by commas; "" keeps none. */
int
config_check_caps(const char *v, char *err, size_t errlen)
{
	const char	*p = v, *item;
	size_t		 len;

	while (config_next_item(&p, &item, &len)) {
		if (!known(item, len)) {
			snprintf(err, errlen, "%.*s is not a capability name "
			    "(such as CHOWN or NET_BIND_SERVICE, without CAP_)",
			    (int)(len > 40 ? 40 : len), item);
			return -1;
		}
	}
	if (*v != '\0' && v[strlen(v) - 1] == ',') {
		snprintf(err, errlen, "ends with a comma");
		return -1;
	}
	return 0;
}
