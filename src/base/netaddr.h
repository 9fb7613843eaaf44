/*
 * netaddr.h - IP addresses and networks, for telling a request's real
 * client behind trusted reverse proxies (X-Forwarded-For).
 *
 * Pure: parses and compares text, touches nothing else.
 */
#ifndef FDL_NETADDR_H
#define FDL_NETADDR_H

#include <stddef.h>

#define FDL_MAX_TRUSTED_PROXIES 16 /* networks in --trusted-proxies */
#define FDL_MAX_FORWARDED_HOPS  16 /* X-Forwarded-For entries looked at */
#define FDL_NETADDR_TEXT_MAX    46 /* INET6_ADDRSTRLEN */

/* One network: an address family, its bytes and a prefix length. */
struct fdl_network {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char bytes[16]; /* network byte order; 4 used for AF_INET */
    int prefix;              /* 0..32 or 0..128 */
};

struct fdl_networks {
    struct fdl_network items[FDL_MAX_TRUSTED_PROXIES];
    int count;
};

/*
 * Parses a comma-separated list of addresses and networks ("10.0.0.0/8,
 * 127.0.0.1, ::1, fd00::/8"; spaces around items are ignored; an address
 * alone is a network of one; "" is no network) into out. Returns 0, or -1
 * with *bad_at set to the offset of the first item that is not an address,
 * has a prefix out of range or a host part set, or is one too many.
 */
int fdl_networks_parse(const char *text, struct fdl_networks *out, size_t *bad_at);

/* 1 if address text (IPv4 or IPv6, no port) is in one of nets; 0 if not or
 * if it is not an address. */
int fdl_networks_contain(const struct fdl_networks *nets, const char *address);

/*
 * The client of a request that came from `peer` with the X-Forwarded-For
 * header `forwarded` (NULL if none), writing it into out
 * (FDL_NETADDR_TEXT_MAX bytes): peer itself unless peer is a trusted proxy;
 * then the header's entries from the right, skipping trusted proxies, up to
 * the first that is not one (at most FDL_MAX_FORWARDED_HOPS). An entry that
 * is not an address ends the walk at the last good one, so a client cannot
 * hide behind garbage; with no trusted networks the header is ignored.
 */
void fdl_client_address(const struct fdl_networks *trusted, const char *peer,
                        const char *forwarded, char out[FDL_NETADDR_TEXT_MAX]);

#endif
