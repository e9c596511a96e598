/*
 * The schemas of the project volume messages (proto_volumes.h).
 */
#include "schema_int.h"

static const struct field vol_req_fields[] = {
	AUTH_FIELDS(body_vol_req),
	STR(body_vol_req, project_id, 1, MAX_ID),
	STR(body_vol_req, backup_id, 1, MAX_ID),
	STR(body_vol_req, compression, 1, MAX_WORD),
	STR(body_vol_req, consistency, 1, MAX_WORD),
	STR(body_vol_req, target_id, 1, MAX_ID),
};
const struct schema schema_vol_req[] = {
	SCHEMA_AUTH("vol_req", body_vol_req, vol_req_fields)
};

static const struct field backup_item_fields[] = {
	STR(backup_item, id, 1, MAX_ID),
	STR(backup_item, project_id, 1, MAX_ID),
	STR(backup_item, owner, 1, MAX_ID),
	STR(backup_item, volume, 1, MAX_KEY),
	STR(backup_item, status, 1, MAX_WORD),
	STR(backup_item, compression, 1, MAX_WORD),
	STR(backup_item, consistency, 1, MAX_WORD),
	STR(backup_item, file, 1, MAX_KEY),
	STR(backup_item, sha256, 1, MAX_KEY),
	STR(backup_item, error, 1, MAX_TEXT),
	INT(backup_item, bytes, 1),
	INT(backup_item, stored_bytes, 1),
	INT(backup_item, entries, 1),
	INT(backup_item, started_ms, 1),
	INT(backup_item, finished_ms, 1),
	STR(backup_item, remote_state, 0, MAX_WORD),
	STR(backup_item, remote_key, 0, MAX_KEY),
	STR(backup_item, remote_error, 0, MAX_TEXT),
};
static const struct schema schema_backup_item[] = {
	SCHEMA("backup_item", backup_item, backup_item_fields)
};

static const struct field vol_backups_fields[] = {
	ARRAY(body_vol_backups, items, 1, MAX_ITEMS, schema_backup_item,
	    nitems),
};
const struct schema schema_vol_backups[] = {
	SCHEMA("vol_backups", body_vol_backups, vol_backups_fields)
};

static const struct field clone_item_fields[] = {
	STR(clone_item, id, 1, MAX_ID),
	STR(clone_item, source_id, 1, MAX_ID),
	STR(clone_item, project_id, 1, MAX_ID),
	STR(clone_item, owner, 1, MAX_ID),
	STR(clone_item, status, 1, MAX_WORD),
	STR(clone_item, error, 1, MAX_TEXT),
	INT(clone_item, bytes, 1),
	INT(clone_item, entries, 1),
	INT(clone_item, started_ms, 1),
	INT(clone_item, finished_ms, 1),
};
static const struct schema schema_clone_item[] = {
	SCHEMA("clone_item", clone_item, clone_item_fields)
};

static const struct field vol_clones_fields[] = {
	ARRAY(body_vol_clones, items, 1, MAX_ITEMS, schema_clone_item,
	    nitems),
};
const struct schema schema_vol_clones[] = {
	SCHEMA("vol_clones", body_vol_clones, vol_clones_fields)
};

static const struct field vol_size_fields[] = {
	STR(body_vol_size, project_id, 1, MAX_ID),
	INT(body_vol_size, size_bytes, 1),
	INT(body_vol_size, measured_ms, 1),
};
const struct schema schema_vol_size[] = {
	SCHEMA("vol_size", body_vol_size, vol_size_fields)
};
