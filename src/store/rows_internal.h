/*
 * rows_internal.h - building the row batches of the rows_read op
 * (store.h, `fidelis migrate`), shared by both backends. Only src/store/
 * includes it.
 */
#ifndef FDL_ROWS_INTERNAL_H
#define FDL_ROWS_INTERNAL_H

#include "store/store.h"

/* A batch being filled: the column names, then row after row of values,
 * handed to the callback every FDL_MIGRATE_BATCH_ROWS rows. */
struct fdl_rows_batch {
    const char *table;
    int n_columns, n_rows;
    char names[FDL_MIGRATE_MAX_COLUMNS][FDL_TABLE_NAME_MAX + 1];
    char *name_ptrs[FDL_MIGRATE_MAX_COLUMNS];
    struct fdl_value *values; /* FDL_MIGRATE_BATCH_ROWS * n_columns; bytes malloc'd */
};

/* Starts an empty batch of n_columns (1..FDL_MIGRATE_MAX_COLUMNS) for table
 * (not copied). Release it with fdl_rows_batch_release, even on failure. */
int fdl_rows_batch_init(struct fdl_rows_batch *b, const char *table, int n_columns,
                        struct fdl_error *err);
/* Names column (copied; at most FDL_TABLE_NAME_MAX bytes). */
int fdl_rows_batch_name(struct fdl_rows_batch *b, int column, const char *name,
                        struct fdl_error *err);
/* Sets column of the row being filled; TEXT and BLOB bytes are copied. */
int fdl_rows_batch_set(struct fdl_rows_batch *b, int column, enum fdl_value_type type,
                       int64_t i, const void *bytes, size_t len, struct fdl_error *err);
/* Ends the row; hands the batch to fn when it is full. */
int fdl_rows_batch_end_row(struct fdl_rows_batch *b, fdl_rows_fn fn, void *ctx,
                           struct fdl_error *err);
/* Hands the rows not yet handed (if any) to fn. */
int fdl_rows_batch_flush(struct fdl_rows_batch *b, fdl_rows_fn fn, void *ctx,
                         struct fdl_error *err);
void fdl_rows_batch_release(struct fdl_rows_batch *b);

#endif
