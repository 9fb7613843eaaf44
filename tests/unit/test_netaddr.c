/* test_netaddr.c - trusted-proxy networks and the client behind them. */
#include "base/netaddr.h"

#include <stdio.h>
#include <string.h>

#include "check.h"

static const char *client(const char *trusted, const char *peer, const char *forwarded)
{
    static char out[FDL_NETADDR_TEXT_MAX];
    struct fdl_networks nets;
    size_t bad = 0;
    if (fdl_networks_parse(trusted, &nets, &bad) != 0)
        return "<bad list>";
    fdl_client_address(&nets, peer, forwarded, out);
    return out;
}

static void lists_of_networks_parse_and_match(void)
{
    struct fdl_networks nets;
    size_t bad = 99;
    CHECK_INT(fdl_networks_parse(" 10.0.0.0/8, 127.0.0.1 ,::1,fd00::/8", &nets, &bad), 0);
    CHECK_INT(nets.count, 4);
    CHECK(fdl_networks_contain(&nets, "10.200.3.4"));
    CHECK(fdl_networks_contain(&nets, "127.0.0.1"));
    CHECK(!fdl_networks_contain(&nets, "127.0.0.2"));
    CHECK(fdl_networks_contain(&nets, "::1"));
    CHECK(fdl_networks_contain(&nets, "fd12:3456::1"));
    CHECK(!fdl_networks_contain(&nets, "fe80::1"));
    CHECK(!fdl_networks_contain(&nets, "11.0.0.1"));
    CHECK(!fdl_networks_contain(&nets, "not an address"));
    CHECK(!fdl_networks_contain(&nets, ""));
    CHECK_INT(fdl_networks_parse("", &nets, &bad), 0);
    CHECK_INT(nets.count, 0);
    CHECK(!fdl_networks_contain(&nets, "127.0.0.1"));
    /* prefixes that split a byte */
    CHECK_INT(fdl_networks_parse("192.168.4.0/22", &nets, &bad), 0);
    CHECK(fdl_networks_contain(&nets, "192.168.7.255"));
    CHECK(!fdl_networks_contain(&nets, "192.168.8.0"));
}

static void bad_lists_name_the_offending_item(void)
{
    struct fdl_networks nets;
    size_t bad = 0;
    CHECK_INT(fdl_networks_parse("10.0.0.0/8,banana", &nets, &bad), -1);
    CHECK_INT(bad, 11);
    static const char *const wrong[] = {
        "10.0.0.0/33", "::/129", "10.1.2.3/8", "10.0.0.0/", "10.0.0.0/-1",
        "10.0.0.0/8x", ",",      "1.2.3.4,,",  "300.1.1.1", "1.2.3.4:80"};
    for (size_t i = 0; i < sizeof(wrong) / sizeof(*wrong); i++)
        CHECK_INT(fdl_networks_parse(wrong[i], &nets, &bad), -1);
    /* at the limit the list is taken; one past it is refused at that item */
    char many[FDL_MAX_TRUSTED_PROXIES * 12 + 16] = "";
    size_t last = 0;
    for (int i = 0; i <= FDL_MAX_TRUSTED_PROXIES; i++) {
        if (i == FDL_MAX_TRUSTED_PROXIES) {
            CHECK_INT(fdl_networks_parse(many, &nets, &bad), 0);
            CHECK_INT(nets.count, FDL_MAX_TRUSTED_PROXIES);
            last = strlen(many) + 1;
        }
        char one[16];
        snprintf(one, sizeof(one), "%s10.0.0.%d", i ? "," : "", i);
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s", one);
    }
    CHECK_INT(fdl_networks_parse(many, &nets, &bad), -1);
    CHECK_INT(bad, last);
}

static void the_client_is_the_peer_unless_the_peer_is_trusted(void)
{
    CHECK_STR(client("", "203.0.113.9", "198.51.100.1"), "203.0.113.9");
    CHECK_STR(client("10.0.0.0/8", "203.0.113.9", "198.51.100.1"), "203.0.113.9");
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5", NULL), "10.0.0.5");
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5", "198.51.100.1"), "198.51.100.1");
}

static void forwarded_chains_are_read_from_the_right(void)
{
    /* the client can put anything on the left; only trusted hops are skipped */
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5", "1.1.1.1, 198.51.100.1, 10.0.0.9"),
              "198.51.100.1");
    CHECK_STR(client("10.0.0.0/8,::1", "::1", "2001:db8::7 , 10.1.1.1"), "2001:db8::7");
    /* every hop trusted: the leftmost one */
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5", "10.0.0.7, 10.0.0.8"), "10.0.0.7");
    /* garbage ends the walk at the last good address */
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5", "198.51.100.1, unknown, 10.0.0.9"),
              "10.0.0.9");
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5", "<script>"), "10.0.0.5");
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5", ""), "10.0.0.5");
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5", ",,,"), "10.0.0.5");
    CHECK_STR(client("10.0.0.0/8", "10.0.0.5",
                     "198.51.100.1, 1234567890123456789012345678901234567890123456789"),
              "10.0.0.5");
}

int main(void)
{
    RUN(lists_of_networks_parse_and_match);
    RUN(bad_lists_name_the_offending_item);
    RUN(the_client_is_the_peer_unless_the_peer_is_trusted);
    RUN(forwarded_chains_are_read_from_the_right);
    return check_done();
}
