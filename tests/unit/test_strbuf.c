/* test_strbuf.c - the capped growing text: grows, refuses past its cap, and
 * the first failure sticks. */
#include "base/strbuf.h"

#include "base/error.h"

#include <string.h>

#include "check.h"

static void test_pieces_join_and_grow_past_the_first_allocation(void)
{
    struct fdl_strbuf b;
    fdl_strbuf_init(&b, 1 << 20);
    char piece[301];
    memset(piece, 'x', 300);
    piece[300] = '\0';
    for (int i = 0; i < 10; i++)
        fdl_strbuf_put(&b, piece);
    fdl_strbuf_put(&b, "!");
    CHECK_INT(b.rc, 0);
    CHECK_INT(b.len, 3001);
    CHECK_INT(strlen(b.data), 3001);
    CHECK(b.data[3000] == '!');
    fdl_strbuf_release(&b);
    CHECK(b.data == NULL && b.len == 0 && b.max == 1 << 20);
}

static void test_the_cap_counts_the_nul_and_the_first_failure_sticks(void)
{
    struct fdl_strbuf b;
    fdl_strbuf_init(&b, 6);
    fdl_strbuf_put(&b, "hello"); /* 5 + NUL = 6: fits */
    CHECK_INT(b.rc, 0);
    fdl_strbuf_put(&b, "!");
    CHECK_INT(b.rc, FDL_ETOO_LARGE);
    fdl_strbuf_put(&b, "");
    CHECK_INT(b.rc, FDL_ETOO_LARGE);
    CHECK(strcmp(b.data, "hello") == 0);
    fdl_strbuf_release(&b);
}

int main(void)
{
    RUN(test_pieces_join_and_grow_past_the_first_allocation);
    RUN(test_the_cap_counts_the_nul_and_the_first_failure_sticks);
    return check_done();
}
