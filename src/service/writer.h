/*
 * writer.h - the write path: one writer thread, group commit, idempotency.
 *
 * Every mutating request becomes a job. The writer thread takes all jobs
 * waiting (up to FDL_MAX_BATCH_JOBS), opens one write transaction, runs each
 * job in its own savepoint (a failing job is rolled back alone), and commits
 * once: one fsync makes the whole batch durable. Only then are the
 * submitters woken, so a 2xx always means "on disk". Because jobs run one
 * after another on one connection, no point can be spent twice.
 *
 * Idempotency lives here too: a job with a key first looks it up. The same
 * key with the same request hash replays the stored response; with another
 * hash it fails with FDL_EIDEMPOTENCY_MISMATCH. A successful job's response
 * is stored under its key in the same savepoint as its effects.
 */
#ifndef FDL_WRITER_H
#define FDL_WRITER_H

#include "base/error.h"
#include "store/store.h"

#include <pthread.h>
#include <stdint.h>

struct fdl_writer;

struct fdl_job {
    /* Filled by the submitter. */
    int64_t program_id;
    const char *idempotency_key; /* NULL: none */
    unsigned char request_hash[32];
    /* Runs the use case on st inside the job's savepoint. On success returns 0
     * and sets job->status and job->body (malloc'd); on failure returns an
     * FDL_E* code with job->err filled, and everything it wrote is undone. */
    int (*run)(struct fdl_store *st, struct fdl_job *job);
    void *arg;
    int discard; /* a dry run: run it, answer, and roll it back (no idempotency) */
    /* -- stores, staff and the audit log -- */
    /* Who asks, as the audit row to write in the job's savepoint after a
     * successful run (not for a replay or a dry run); the writer sets its
     * program, time, status and ref (the idempotency key). NULL: none. */
    const struct fdl_audit_row *audit;

    /* Filled by the writer. */
    int rc;
    struct fdl_error err;
    int status;
    char *body;        /* malloc'd; the submitter frees it */
    int replayed;      /* the response came from the idempotency record */
    char *record_body; /* if run sets it (malloc'd): what the idempotency record
                          keeps instead of body (e.g. without a secret); freed
                          by the writer */

    struct fdl_job *next; /* queue link, private */
    int done;             /* private */
    pthread_cond_t wake;  /* private: signalled when this job is done */
};

/* Starts the writer on its own connection to uri. *out untouched on failure. */
int fdl_writer_start(const char *uri, struct fdl_writer **out, struct fdl_error *err);

/* Runs job through the writer and waits until its batch is durable (or failed).
 * Returns job->rc. FDL_EBUSY if the queue is full. */
int fdl_writer_submit(struct fdl_writer *w, struct fdl_job *job);

/* Stops the writer after the jobs already queued, and frees it. */
void fdl_writer_stop(struct fdl_writer *w);

/* Counters for /metrics: batches committed and jobs run. */
void fdl_writer_stats(struct fdl_writer *w, uint64_t *batches, uint64_t *jobs);

#endif
