/*
 * A streaming walk over a tar stream (ustar, GNU and pax headers, as the
 * engine's archive API writes them): fed bytes as they come, it counts
 * the entries and checks each header's checksum, so that a backup's
 * manifest says how many entries it holds without keeping any of it.
 * It reads 512-byte blocks and nothing else; it never allocates.
 */
#ifndef BERTH_TARWALK_H
#define BERTH_TARWALK_H

#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK	512

struct tarwalk {
	unsigned char	 block[TAR_BLOCK];
	size_t		 have;		/* bytes of block */
	uint64_t	 skip;		/* data bytes still to pass */
	uint64_t	 entries;	/* files, directories, links */
	uint64_t	 bytes;		/* everything fed */
	int		 zeros;		/* end-of-archive blocks seen */
	const char	*err;		/* why the stream is not a tar */
};

void	tarwalk_init(struct tarwalk *);
/* 0, or -1 with tw->err when the stream is not a tar. */
int	tarwalk_feed(struct tarwalk *, const void *buf, size_t len);
/* 0 when the stream ended on a block boundary, after its data. */
int	tarwalk_end(struct tarwalk *);

/* The size field of a header (octal or base-256); -1 if neither. */
int64_t	tar_number(const unsigned char *field, size_t len);

#endif
