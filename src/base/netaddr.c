/* netaddr.c - IP networks and the client behind trusted proxies (netaddr.h). */
#include "base/netaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses one address (no prefix) into family and bytes; 0 or -1. */
static int address_parse(const char *text, int *family, unsigned char bytes[16])
{
    memset(bytes, 0, 16);
    if (inet_pton(AF_INET, text, bytes) == 1) {
        *family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, text, bytes) == 1) {
        *family = AF_INET6;
        return 0;
    }
    return -1;
}

static int in_network(const struct fdl_network *n, int family, const unsigned char *b)
{
    if (n->family != family)
        return 0;
    int full = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(n->bytes, b, (size_t)full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    unsigned char mask = (unsigned char)(0xFFu << (8 - rest));
    return (n->bytes[full] & mask) == (b[full] & mask);
}

/* Copies the item [start, end) without surrounding spaces into out (cap
 * bytes); -1 if it does not fit. */
static int trimmed(const char *start, const char *end, char *out, size_t cap)
{
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t len = (size_t)(end - start);
    if (len >= cap)
        return -1;
    memcpy(out, start, len);
    out[len] = '\0';
    return 0;
}

static int network_parse(const char *item, struct fdl_network *n)
{
    char addr[FDL_NETADDR_TEXT_MAX + 8];
    snprintf(addr, sizeof(addr), "%s", item);
    char *slash = strchr(addr, '/');
    if (slash)
        *slash = '\0';
    if (address_parse(addr, &n->family, n->bytes))
        return -1;
    int max = n->family == AF_INET ? 32 : 128;
    n->prefix = max;
    if (slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end || p < 0 || p > max)
            return -1;
        n->prefix = (int)p;
    }
    /* the host part must be zero: "10.1.2.3/8" is a mistake, not a network */
    unsigned char masked[16];
    memcpy(masked, n->bytes, sizeof(masked));
    for (int bit = n->prefix; bit < max; bit++)
        masked[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
    return memcmp(masked, n->bytes, sizeof(masked)) == 0 ? 0 : -1;
}

int fdl_networks_parse(const char *text, struct fdl_networks *out, size_t *bad_at)
{
    memset(out, 0, sizeof(*out));
    const char *p = text;
    while (*p) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        char item[FDL_NETADDR_TEXT_MAX + 8];
        if (trimmed(p, end, item, sizeof(item)) != 0 || !item[0] ||
            out->count >= FDL_MAX_TRUSTED_PROXIES ||
            network_parse(item, &out->items[out->count]) != 0) {
            *bad_at = (size_t)(p - text);
            return -1;
        }
        out->count++;
        p = comma ? comma + 1 : end;
    }
    return 0;
}

int fdl_networks_contain(const struct fdl_networks *nets, const char *address)
{
    int family;
    unsigned char bytes[16];
    if (address_parse(address, &family, bytes))
        return 0;
    for (int i = 0; i < nets->count; i++)
        if (in_network(&nets->items[i], family, bytes))
            return 1;
    return 0;
}

void fdl_client_address(const struct fdl_networks *trusted, const char *peer,
                        const char *forwarded, char out[FDL_NETADDR_TEXT_MAX])
{
    snprintf(out, FDL_NETADDR_TEXT_MAX, "%s", peer);
    if (!forwarded || !fdl_networks_contain(trusted, peer))
        return;
    const char *end = forwarded + strlen(forwarded);
    for (int hop = 0; hop < FDL_MAX_FORWARDED_HOPS && end > forwarded; hop++) {
        const char *start = end;
        while (start > forwarded && start[-1] != ',')
            start--;
        char item[FDL_NETADDR_TEXT_MAX];
        int family;
        unsigned char bytes[16];
        if (trimmed(start, end, item, sizeof(item)) != 0 ||
            address_parse(item, &family, bytes) != 0)
            return;
        snprintf(out, FDL_NETADDR_TEXT_MAX, "%s", item);
        if (!fdl_networks_contain(trusted, item))
            return;
        end = start > forwarded ? start - 1 : start;
    }
}
