/* writer.c - group commit on one writer thread; see writer.h. */
#include "service/writer.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

struct fdl_writer {
    struct fdl_store *st;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t work; /* signalled when a job is queued or on stop */
    pthread_cond_t done; /* broadcast when a batch finishes */
    struct fdl_job *head, *tail;
    int queued;
    int stopping;
    _Atomic uint64_t batches, jobs;
};

/* Idempotency check: 1 if the job was answered from the record, 0 to run it. */
static int job_replay(struct fdl_store *st, struct fdl_job *job)
{
    struct fdl_idem idem;
    memset(&idem, 0, sizeof(idem));
    int rc = FDL_STORE_CALL(st, idem_get, job->program_id, job->idempotency_key, &idem,
                            &job->err);
    if (rc == FDL_ENOT_FOUND) {
        fdl_error_clear(&job->err);
        return 0;
    }
    if (rc) {
        job->rc = rc;
        return 1;
    }
    if (memcmp(idem.request_hash, job->request_hash, sizeof(idem.request_hash)) != 0) {
        job->rc = fdl_error_set(&job->err, FDL_EIDEMPOTENCY_MISMATCH, "Idempotency-Key",
                                "this key was used with a different request");
        fdl_idem_release(&idem);
        return 1;
    }
    job->status = idem.status;
    job->body = idem.body; /* ownership moves to the job */
    job->replayed = 1;
    job->rc = 0;
    return 1;
}

static void job_run(struct fdl_store *st, struct fdl_job *job)
{
    fdl_error_clear(&job->err);
    job->rc = FDL_STORE_CALL(st, savepoint, &job->err);
    if (job->rc)
        return;
    if (job->discard || !job->idempotency_key || !job_replay(st, job)) {
        job->rc = job->run(st, job);
        if (job->rc == 0 && job->idempotency_key && !job->discard) {
            struct fdl_idem idem;
            memcpy(idem.request_hash, job->request_hash, sizeof(idem.request_hash));
            idem.status = job->status;
            idem.body = job->record_body ? job->record_body : job->body;
            job->rc = FDL_STORE_CALL(st, idem_put, job->program_id, job->idempotency_key,
                                     &idem, fdl_clock_now_s(), &job->err);
        }
        /* -- stores, staff and the audit log -- */
        if (job->rc == 0 && job->audit && !job->discard) {
            struct fdl_audit_row row = *job->audit;
            row.program_id = job->program_id;
            row.at_s = fdl_clock_now_s();
            row.status = job->status;
            snprintf(row.ref, sizeof(row.ref), "%s",
                     job->idempotency_key ? job->idempotency_key : "");
            job->rc = FDL_STORE_CALL(st, audit_insert, &row, &job->err);
        }
    }
    free(job->record_body);
    job->record_body = NULL;
    if (job->rc == 0 && job->discard) {
        FDL_STORE_CALL0(st, rollback_to);
        job->rc = FDL_STORE_CALL(st, release, &job->err);
    } else if (job->rc == 0 && !job->replayed) {
        job->rc = FDL_STORE_CALL(st, release, &job->err);
    } else if (job->rc) {
        FDL_STORE_CALL0(st, rollback_to);
        struct fdl_error ignored;
        FDL_STORE_CALL(st, release, &ignored);
        free(job->body);
        job->body = NULL;
    } else {
        FDL_STORE_CALL(st, release, &job->err);
    }
}

/* Runs one batch in one transaction; on commit failure every job fails. */
static void batch_run(struct fdl_writer *w, struct fdl_job *batch)
{
    struct fdl_error err;
    fdl_error_clear(&err);
    int rc = FDL_STORE_CALL(w->st, begin, 1, &err);
    for (struct fdl_job *j = batch; j; j = j->next) {
        if (rc) {
            j->rc = rc;
            j->err = err;
            continue;
        }
        job_run(w->st, j);
        /* A failure can end the whole transaction (SQLite does on a full disk
         * or an I/O error). Then everything before is gone and nothing after
         * may run outside it: the batch fails as one. */
        if (!FDL_STORE_CALL0(w->st, in_transaction))
            rc = fdl_error_set(&err, FDL_ESTORE, NULL,
                               "the database ended the transaction: %s", j->err.message);
    }
    if (rc == 0)
        rc = FDL_STORE_CALL(w->st, commit, &err);
    if (rc) { /* fails every job, also those that ran before the transaction ended */
        FDL_STORE_CALL0(w->st, rollback);
        for (struct fdl_job *j = batch; j; j = j->next) {
            if (j->rc == 0) {
                j->rc = rc;
                j->err = err;
                free(j->body);
                j->body = NULL;
            }
        }
    }
    atomic_fetch_add(&w->batches, 1);
}

static void *writer_main(void *arg)
{
    struct fdl_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && !w->stopping)
            pthread_cond_wait(&w->work, &w->lock);
        if (!w->head && w->stopping)
            break;
        /* Take up to FDL_MAX_BATCH_JOBS jobs off the queue. */
        struct fdl_job *batch = w->head, *last = w->head;
        int n = 1;
        while (last->next && n < FDL_MAX_BATCH_JOBS) {
            last = last->next;
            n++;
        }
        w->head = last->next;
        if (!w->head)
            w->tail = NULL;
        last->next = NULL;
        w->queued -= n;
        pthread_mutex_unlock(&w->lock);

        batch_run(w, batch);
        atomic_fetch_add(&w->jobs, (uint64_t)n);

        pthread_mutex_lock(&w->lock);
        /* Wake each submitter of this batch, and only them. */
        for (struct fdl_job *j = batch; j;) {
            struct fdl_job *next = j->next;
            j->done = 1;
            pthread_cond_signal(&j->wake);
            j = next;
        }
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

int fdl_writer_start(const char *uri, struct fdl_writer **out, struct fdl_error *err)
{
    struct fdl_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return fdl_error_set(err, FDL_ENOMEM, NULL, "out of memory");
    int rc = fdl_store_open(uri, 0, &w->st, err);
    if (rc) {
        free(w);
        return rc;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        fdl_store_close(w->st);
        free(w);
        return fdl_error_set(err, FDL_EINTERNAL, NULL, "cannot start the writer thread");
    }
    *out = w;
    return 0;
}

int fdl_writer_submit(struct fdl_writer *w, struct fdl_job *job)
{
    job->next = NULL;
    job->done = 0;
    job->body = NULL;
    job->record_body = NULL;
    job->replayed = 0;
    pthread_cond_init(&job->wake, NULL);
    pthread_mutex_lock(&w->lock);
    if (w->queued >= FDL_MAX_QUEUED_JOBS || w->stopping) {
        pthread_mutex_unlock(&w->lock);
        pthread_cond_destroy(&job->wake);
        job->rc = fdl_error_set(&job->err, FDL_EBUSY, NULL, "the write queue is full");
        return job->rc;
    }
    if (w->tail)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    w->queued++;
    pthread_cond_signal(&w->work);
    while (!job->done)
        pthread_cond_wait(&job->wake, &w->lock);
    pthread_mutex_unlock(&w->lock);
    pthread_cond_destroy(&job->wake);
    return job->rc;
}

void fdl_writer_stop(struct fdl_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = 1;
    pthread_cond_signal(&w->work);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    fdl_store_close(w->st);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->work);
    free(w);
}

void fdl_writer_stats(struct fdl_writer *w, uint64_t *batches, uint64_t *jobs)
{
    *batches = atomic_load(&w->batches);
    *jobs = atomic_load(&w->jobs);
}
