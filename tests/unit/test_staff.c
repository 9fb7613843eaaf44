/*
 * test_staff.c - the pure parts of staff accounts: roles by name, the
 * password policy and its Argon2id parameters, and which staff activity the
 * report flags as unusual.
 */
#include "service/staff.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static void roles_have_names_and_back(void)
{
    const unsigned roles[] = {FDL_ROLE_CASHIER, FDL_ROLE_MANAGER, FDL_ROLE_ADMIN,
                              FDL_ROLE_AUDITOR};
    for (size_t i = 0; i < 4; i++)
        CHECK(fdl_role_parse(fdl_role_name(roles[i])) == roles[i]);
    CHECK(fdl_role_parse("owner") == 0);
    CHECK(fdl_role_parse("") == 0);
    CHECK(strcmp(fdl_role_name(FDL_ROLE_CASHIER | FDL_ROLE_ADMIN), "") == 0);
}

static void passwords_are_hashed_with_argon2id_at_owasp_parameters(void)
{
    struct fdl_error err;
    char hash[FDL_PASSWORD_HASH_MAX + 1];
    CHECK(fdl_password_hash("correct horse battery", "ana", hash, &err) == 0);
    CHECK(strncmp(hash, "$argon2id$v=19$m=19456,t=2,p=1$", 31) == 0);
    CHECK(crypto_pwhash_str_verify(hash, "correct horse battery", 21) == 0);
    CHECK(crypto_pwhash_str_verify(hash, "correct horse batterz", 21) != 0);
    char again[FDL_PASSWORD_HASH_MAX + 1];
    CHECK(fdl_password_hash("correct horse battery", "ana", again, &err) == 0);
    CHECK(strcmp(hash, again) != 0); /* salted */
}

static void weak_passwords_are_refused_naming_the_field(void)
{
    struct fdl_error err;
    char hash[FDL_PASSWORD_HASH_MAX + 1];
    char limit[FDL_MAX_PASSWORD_LEN + 2];
    memset(limit, 'a', sizeof(limit));
    limit[0] = 'b';
    limit[FDL_MAX_PASSWORD_LEN] = '\0';
    CHECK(fdl_password_hash(limit, "ana", hash, &err) == 0); /* at the limit */
    limit[FDL_MAX_PASSWORD_LEN] = 'a';
    limit[FDL_MAX_PASSWORD_LEN + 1] = '\0';
    CHECK(fdl_password_hash(limit, "ana", hash, &err) == FDL_ERANGE); /* one past */
    CHECK(strcmp(err.field, "password") == 0);
    CHECK(fdl_password_hash("elevenchars", "ana", hash, &err) == FDL_ERANGE);
    CHECK(fdl_password_hash("twelve chars", "ana", hash, &err) == 0);
    CHECK(fdl_password_hash("xxxxxxxxxxxxxxxx", "ana", hash, &err) == FDL_EINVALID);
    CHECK(fdl_password_hash("ana.the.cashier", "ana.the.cashier", hash, &err) ==
          FDL_EINVALID);
}

static void unusual_activity_is_flagged_by_the_named_thresholds(void)
{
    struct fdl_staff_activity a;
    memset(&a, 0, sizeof(a));
    a.purchases = 100;
    CHECK(fdl_staff_activity_flags(&a) == 0);
    a.own_card_purchases = a.staff_card_purchases = 1;
    CHECK(fdl_staff_activity_flags(&a) == FDL_UNUSUAL_OWN_CARD);
    a.own_card_purchases = 0;
    a.staff_card_purchases = FDL_UNUSUAL_STAFF_CARD_PURCHASES - 1;
    CHECK(fdl_staff_activity_flags(&a) == 0);
    a.staff_card_purchases = FDL_UNUSUAL_STAFF_CARD_PURCHASES;
    CHECK(fdl_staff_activity_flags(&a) == FDL_UNUSUAL_STAFF_CARD);
    /* own-card purchases are not counted twice as other staff's */
    a.own_card_purchases = 1;
    CHECK(fdl_staff_activity_flags(&a) == FDL_UNUSUAL_OWN_CARD);
    memset(&a, 0, sizeof(a));
    a.adjustment_points_added = FDL_UNUSUAL_ADJUSTMENT_POINTS - 1;
    CHECK(fdl_staff_activity_flags(&a) == 0);
    a.adjustment_points_added = FDL_UNUSUAL_ADJUSTMENT_POINTS;
    CHECK(fdl_staff_activity_flags(&a) == FDL_UNUSUAL_ADJUSTMENT);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(roles_have_names_and_back);
    RUN(passwords_are_hashed_with_argon2id_at_owasp_parameters);
    RUN(weak_passwords_are_refused_naming_the_field);
    RUN(unusual_activity_is_flagged_by_the_named_thresholds);
    return check_done();
}
