/*
 * The project volume messages: backups, restores, clones and sizes
 * (supervisord/volumes.c).  Included by proto.h; their schemas are in
 * schema_volumes.c.
 */
#ifndef BERTH_PROTO_VOLUMES_H
#define BERTH_PROTO_VOLUMES_H

/* Project volumes (supervisord/volumes.c). */
struct body_vol_req {			/* MSG_VOL_BACKUP, _BACKUPS_REQ, _SIZE_REQ,
					 * _RESTORE, _CLONE, _CLONE_REQ */
	struct req_auth	 auth;
	char		*project_id;
	char		*backup_id;	/* "" every backup of the project */
	char		*compression;	/* zstd, gzip, none; "" zstd */
	char		*consistency;	/* live, pause, stop; "" live */
	char		*target_id;	/* MSG_VOL_CLONE's new project; else "" */
};

struct backup_item {
	char	*id;
	char	*project_id;
	char	*owner;
	char	*volume;
	char	*status;		/* running, done, failed */
	char	*compression;
	char	*consistency;
	char	*file;			/* its name in backup_dir */
	char	*sha256;		/* of the file, hex; "" until done */
	char	*error;
	int64_t	 bytes;			/* tar bytes read from the engine */
	int64_t	 stored_bytes;		/* bytes of the file */
	int64_t	 entries;
	int64_t	 started_ms;
	int64_t	 finished_ms;		/* 0 while running */
	/* its remote copy: optional (NULL in records spooled before) */
	char	*remote_state;		/* "" none; pending, uploading,
					 * uploaded, failed */
	char	*remote_key;		/* the archive's object key */
	char	*remote_error;
};

struct body_vol_backups {		/* MSG_VOL_BACKUPS, MSG_VOL_REC */
	struct backup_item	*items;
	size_t			 nitems;
};

struct clone_item {
	char	*id;
	char	*source_id;		/* the project cloned */
	char	*project_id;		/* the new one */
	char	*owner;
	char	*status;		/* running, done, failed */
	char	*error;
	int64_t	 bytes;			/* tar bytes copied so far */
	int64_t	 entries;
	int64_t	 started_ms;
	int64_t	 finished_ms;		/* 0 while running */
};

struct body_vol_clones {		/* MSG_VOL_CLONES */
	struct clone_item	*items;
	size_t			 nitems;
};

struct body_vol_size {
	char	*project_id;
	int64_t	 size_bytes;		/* what the files hold */
	int64_t	 measured_ms;
};

#endif /* BERTH_PROTO_VOLUMES_H */
