/*
 * test_text.c - UTF-8 validation and folding names for till search.
 *
 * Strings with non-ASCII letters are written as UTF-8 literals where that
 * reads best and as escapes where the bytes themselves are the point.
 */
#include "base/text.h"

#include <stdint.h>
#include <string.h>

#include "base/limits.h"
#include "check.h"

#define FOLD_BUFFER 512

/* Folds s; returns the folded text, or "<invalid>" if fdl_text_fold failed. */
static const char *fold(const char *s)
{
    static char out[FOLD_BUFFER];
    int len = fdl_text_fold(s, strlen(s), out, sizeof(out));
    if (len < 0)
        return "<invalid>";
    if ((size_t)len != strlen(out))
        return "<length mismatch>";
    return out;
}

/* Search as the till does it: every word of query starts some word of name. */
static int finds(const char *name, const char *query)
{
    char name_folded[FOLD_BUFFER], query_folded[FOLD_BUFFER];
    char *name_words[16], *query_words[FDL_MAX_SEARCH_WORDS];
    if (fdl_text_fold(name, strlen(name), name_folded, sizeof(name_folded)) < 0 ||
        fdl_text_fold(query, strlen(query), query_folded, sizeof(query_folded)) < 0)
        return 0;
    int name_count = fdl_text_words(name_folded, name_words, 16);
    int query_count = fdl_text_words(query_folded, query_words, FDL_MAX_SEARCH_WORDS);
    if (query_count == 0)
        return 0;
    for (int q = 0; q < query_count; q++) {
        int found = 0;
        for (int n = 0; n < name_count && !found; n++)
            found = strncmp(name_words[n], query_words[q], strlen(query_words[q])) == 0;
        if (!found)
            return 0;
    }
    return 1;
}

static size_t encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

static void test_till_searches_from_the_brief_find_the_member(void)
{
    CHECK(finds("José Pérez", "jose"));
    CHECK(finds("María García", "garc"));
    CHECK(finds("María García", "GARCÍA maria"));
    CHECK(finds("Елена Петрова", "елена"));
    CHECK(finds("ЁЛКИН Сергей", "елкин"));
    CHECK(finds("Ёлкин", "ёлк"));
    CHECK(finds("Gemma Vallès", "valles"));
    CHECK(finds("Núria Col·lell", "collell"));
    CHECK(finds("Seán O'Brien", "obrien"));
    CHECK(finds("Νίκος Παπαδόπουλος", "νικος παπαδ"));
    CHECK(finds("Nguyễn Văn An", "nguyen"));
    CHECK(!finds("José Pérez", "josé garcia"));
    CHECK(!finds("Gemma Vallès", "emma"));
    CHECK(!finds("Gemma Vallès", ""));
}

static void test_latin_letters_lose_case_and_diacritics(void)
{
    CHECK_STR(fold("José"), "jose");
    CHECK_STR(fold("García Márquez"), "garcia marquez");
    CHECK_STR(fold("ÀÁÂÃÄÅ àáâãäå ÇÈÉÊËÌÍÎÏ ÑÒÓÔÕÖÙÚÛÜÝ ÿ"),
              "aaaaaa aaaaaa ceeeeiiii nooooouuuuy y");
    CHECK_STR(fold("Łódź Żółć"), "lodz zolc");
    CHECK_STR(fold("Đorđević"), "dordevic");
    CHECK_STR(fold("Ørsted Søren"), "orsted soren");
    CHECK_STR(fold("Ştefan Ștefan Țiriac"), "stefan stefan tiriac");
    CHECK_STR(fold("İlkay Işık Ğ"), "ilkay isik g");
    CHECK_STR(fold("Dvořák Šťastný Ůžice"), "dvorak stastny uzice");
    CHECK_STR(fold("Lǚ Ǎ"), "lu a");
    CHECK_STR(fold("Ơn Ưu Nguyễn Đức Thắng"), "on uu nguyen duc thang");
    CHECK_STR(fold("Ðóra"), "dora");
}

static void test_ligatures_and_special_letters_expand(void)
{
    CHECK_STR(fold("Straße"), "strasse");
    CHECK_STR(fold("GROẞ"), "gross");
    CHECK_STR(fold("Æsir æble"), "aesir aeble");
    CHECK_STR(fold("Œuvre cœur"), "oeuvre coeur");
    CHECK_STR(fold("Þór þorn"), "thor thorn");
    CHECK_STR(fold("Ĳsselmeer ĳs"), "ijsselmeer ijs");
    CHECK_STR(fold("ǄǅǆǇǈǉǊǋǌ"), "dzdzdzljljljnjnjnj");
}

static void test_cyrillic_lowercases_with_yo_and_short_i_folded(void)
{
    CHECK_STR(fold("ЁЛКИН"), "елкин");
    CHECK_STR(fold("Ёлкин ёж"), "елкин еж");
    CHECK_STR(fold("Йошкар-Ола йод"), "иошкар ола иод");
    CHECK_STR(fold("АБВГДЕЖЗИКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ"), "абвгдежзиклмнопрстуфхцчшщъыьэюя");
    CHECK_STR(fold("Ѐ Ѝ ѐ ѝ"), "е и е и");
    CHECK_STR(fold("Їжак Ґанна Єва Ўладзімір"), "їжак ґанна єва ўладзімір");
    CHECK_STR(fold("ЂЉЊЋЏ"), "ђљњћџ");
    CHECK_STR(fold("ҚАЗАҚ ӘЛИЕВ Ӏ"), "қазақ әлиев ӏ");
    /* Decomposed ё and й: the combining marks drop. */
    CHECK_STR(fold("\xd0\x95\xcc\x88\xd0\xbb\xd0\xba\xd0\xb8\xd0\xbd"), "елкин");
    CHECK_STR(fold("\xd0\xb8\xcc\x86\xd0\xbe\xd0\xb4"), "иод");
}

static void test_greek_lowercases_without_tonos(void)
{
    CHECK_STR(fold("ΆΈΉΊΌΎΏ άέήίόύώ"), "αεηιουω αεηιουω");
    CHECK_STR(fold("ΪΫϊϋΐΰ"), "ιυιυιυ");
    CHECK_STR(fold("Νίκος"), "νικοσ");
    CHECK_STR(fold("ΟΔΥΣΣΕΥΣ"), "οδυσσευσ");
    CHECK_STR(fold("ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ"), "αβγδεζηθικλμνξοπρστυφχψω");
}

static void test_middle_dot_and_apostrophes_are_dropped(void)
{
    CHECK_STR(fold("Col·lell"), "collell");
    CHECK_STR(fold("PARAL·LEL"), "parallel");
    CHECK_STR(fold("Paral\xe2\x80\xa7lel"), "parallel"); /* U+2027 */
    CHECK_STR(fold("Ŀl ŀl"), "ll ll");
    CHECK_STR(fold("O'Brien"), "obrien");
    CHECK_STR(fold("D’Angelo d‘Este"), "dangelo deste");
    CHECK_STR(fold("N`Dour O´Neil"), "ndour oneil");
    CHECK_STR(fold("Hawaiʻi Naʼvi"), "hawaii navi");
    CHECK_STR(fold("' O' '"), "o");
}

static void test_combining_marks_fold_like_precomposed(void)
{
    CHECK_STR(fold("Jose\xcc\x81"), "jose");
    CHECK_STR(fold("Jose\xcc\x81 Pe\xcc\x81rez"), "jose perez");
    CHECK_STR(fold("e\xcc\x81\xcc\x80\xcd\xaf"), "e");
    CHECK_STR(fold("\xcc\x81"
                   "abc"),
              "abc");
    CHECK_STR(fold("a \xcc\x81 b"), "a b");
}

static void test_runs_of_non_letters_become_one_space(void)
{
    CHECK_STR(fold("  Mary-Jane   O'Neil, Jr.  "), "mary jane oneil jr");
    CHECK_STR(fold("a\tb\nc\r\nd"), "a b c d");
    CHECK_STR(fold("a_b/c.d@e"), "a b c d e");
    CHECK_STR(fold("Ana\xc2\xa0"
                   "Pérez"),
              "ana perez");                               /* NBSP */
    CHECK_STR(fold("Ana\xe2\x80\x94Pérez"), "ana perez"); /* em dash */
    CHECK_STR(fold("Ana\xe2\x80\x8bPérez"), "anaperez");  /* zero-width space */
    CHECK_STR(fold("«Ana» ¿Pérez? 5×3 ÷"), "ana perez 5 3");
    CHECK_STR(fold("ジョン・スミス"), "ジョン スミス");
    CHECK_STR(fold(" \t-.,;:!?()[]{}<>\"#$%&*+=|~^_/\\"), "");
}

static void test_emoji_are_not_letters(void)
{
    CHECK_STR(fold("Ana 😀 Pérez"), "ana perez");
    CHECK_STR(fold("😀Ana😀"), "ana");
    CHECK_STR(fold("👍🏽"), "");
    CHECK_STR(fold("👨‍👩‍👧 Family"), "family");
    CHECK_STR(fold("❤️Luz"), "luz");
    CHECK_STR(fold("Ana🇪🇸"), "ana");
}

static void test_digits_and_other_scripts_are_kept(void)
{
    CHECK_STR(fold("Room 101"), "room 101");
    CHECK_STR(fold("R2-D2 0123456789"), "r2 d2 0123456789");
    CHECK_STR(fold("王小明"), "王小明");
    CHECK_STR(fold("محمد علي"), "محمد علي");
    CHECK_STR(fold("김민준"), "김민준");
}

static void test_invalid_utf8_is_rejected(void)
{
    static const struct {
        const char *bytes;
        size_t len;
    } invalid[] = {
        {"\xc0\xaf", 2},         /* overlong '/' */
        {"\xc1\xbf", 2},         /* overlong */
        {"\xe0\x80\xaf", 3},     /* overlong, 3 bytes */
        {"\xf0\x80\x80\xaf", 4}, /* overlong, 4 bytes */
        {"\xed\xa0\x80", 3},     /* surrogate U+D800 */
        {"\xed\xbf\xbf", 3},     /* surrogate U+DFFF */
        {"\xf4\x90\x80\x80", 4}, /* U+110000 */
        {"\xf5\x80\x80\x80", 4}, /* lead byte past U+10FFFF */
        {"\xff", 1},
        {"\x80", 1},         /* stray continuation */
        {"Jos\xc3", 4},      /* truncated at the end */
        {"\xe2\x82", 2},     /* truncated */
        {"\xf0\x9f\x98", 3}, /* truncated emoji */
        {"\xe2\x28\xa1", 3}, /* bad continuation */
        {"Jos\xe9", 4},      /* Latin-1, not UTF-8 */
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        char out[16];
        memset(out, 'x', sizeof(out));
        CHECK_INT(fdl_utf8_valid(invalid[i].bytes, invalid[i].len), 0);
        CHECK_INT(fdl_text_fold(invalid[i].bytes, invalid[i].len, out, sizeof(out)), -1);
        CHECK(out[0] == 'x');
    }
}

static void test_valid_utf8_edges_are_accepted(void)
{
    CHECK(fdl_utf8_valid("", 0));
    CHECK(fdl_utf8_valid(NULL, 0));
    CHECK(fdl_utf8_valid("abc", 3));
    CHECK(fdl_utf8_valid("a\0b", 3));
    CHECK(fdl_utf8_valid("\xc2\x80", 2));         /* U+0080 */
    CHECK(fdl_utf8_valid("\xed\x9f\xbf", 3));     /* U+D7FF */
    CHECK(fdl_utf8_valid("\xee\x80\x80", 3));     /* U+E000 */
    CHECK(fdl_utf8_valid("\xf0\x90\x80\x80", 4)); /* U+10000 */
    CHECK(fdl_utf8_valid("\xf4\x8f\xbf\xbf", 4)); /* U+10FFFF */
    CHECK(fdl_utf8_valid("José Ёлкин 😀", strlen("José Ёлкин 😀")));
}

static void test_output_that_fits_exactly_and_one_byte_short(void)
{
    char out[8];
    memset(out, 'x', sizeof(out));
    CHECK_INT(fdl_text_fold("  José! ", 9, out, 5), 4);
    CHECK_STR(out, "jose");

    memset(out, 'x', sizeof(out));
    CHECK_INT(fdl_text_fold("  José! ", 9, out, 4), -1);
    for (size_t i = 0; i < sizeof(out); i++)
        CHECK(out[i] == 'x');

    CHECK_INT(fdl_text_fold("Ёж", strlen("Ёж"), out, 5), 4);
    CHECK_STR(out, "еж");
    CHECK_INT(fdl_text_fold("Ёж", strlen("Ёж"), out, 4), -1);
    CHECK_INT(fdl_text_fold("a", 1, NULL, 0), -1);
}

static void test_empty_input_folds_to_empty_text(void)
{
    char out[4] = "xyz";
    CHECK_INT(fdl_text_fold("", 0, out, 1), 0);
    CHECK_STR(out, "");
    CHECK_INT(fdl_text_fold(NULL, 0, out, sizeof(out)), 0);
    CHECK_STR(out, "");
    CHECK_INT(fdl_text_fold("", 0, NULL, 0), -1); /* no room for the NUL */
    CHECK_INT(fdl_text_fold(" 😀 '", strlen(" 😀 '"), out, 1), 0);
    CHECK_STR(out, "");
}

static void test_output_is_never_longer_than_input(void)
{
    const char *inputs[] = {"GROẞ", "ẞẞẞ", "Ỻ", "ǄǇǊ", "ÆÞßŒĲ", "ЁЙ", "ΆΐΰΪ", "Ŀ·L"};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        size_t len = strlen(inputs[i]);
        char out[64];
        int folded_len = fdl_text_fold(inputs[i], len, out, len + 1);
        CHECK(folded_len >= 0);
        CHECK((size_t)folded_len <= len);
    }
}

/* Every code point of the Latin tables folds to ASCII letters or to itself. */
static void test_every_latin_letter_folds_to_ascii_or_itself(void)
{
    const uint32_t blocks[][2] = {{0x00C0, 0x024F}, {0x1E00, 0x1EFF}};
    for (size_t b = 0; b < 2; b++) {
        for (uint32_t cp = blocks[b][0]; cp <= blocks[b][1]; cp++) {
            char in[4], out[8];
            size_t len = encode(cp, in);
            int folded_len = fdl_text_fold(in, len, out, sizeof(out));
            CHECK(folded_len >= 0 && (size_t)folded_len <= len);
            int ascii = folded_len <= 2 &&
                        strspn(out, "abcdefghijklmnopqrstuvwxyz") == (size_t)folded_len;
            int kept = (size_t)folded_len == len && memcmp(in, out, len) == 0;
            CHECK(ascii || kept);
            CHECK(folded_len > 0 || cp == 0x00D7 || cp == 0x00F7);
        }
    }
}

static void test_words_are_split_in_place(void)
{
    char text[] = "gemma valles garcia";
    char *words[FDL_MAX_SEARCH_WORDS];
    CHECK_INT(fdl_text_words(text, words, FDL_MAX_SEARCH_WORDS), 3);
    CHECK_STR(words[0], "gemma");
    CHECK_STR(words[1], "valles");
    CHECK_STR(words[2], "garcia");

    char limited[] = "a b c d e f";
    CHECK_INT(fdl_text_words(limited, words, 2), 2);
    CHECK_STR(words[0], "a");
    CHECK_STR(words[1], "b");
    CHECK_STR(limited + 4, "c d e f");

    char spaced[] = "  a   b ";
    CHECK_INT(fdl_text_words(spaced, words, FDL_MAX_SEARCH_WORDS), 2);
    CHECK_STR(words[0], "a");
    CHECK_STR(words[1], "b");

    char empty[] = "";
    CHECK_INT(fdl_text_words(empty, words, FDL_MAX_SEARCH_WORDS), 0);
    char one[] = "ана";
    CHECK_INT(fdl_text_words(one, words, 0), 0);
    CHECK_INT(fdl_text_words(one, NULL, 0), 0);
    CHECK_INT(fdl_text_words(one, words, 1), 1);
    CHECK_STR(words[0], "ана");
}

int main(void)
{
    RUN(test_till_searches_from_the_brief_find_the_member);
    RUN(test_latin_letters_lose_case_and_diacritics);
    RUN(test_ligatures_and_special_letters_expand);
    RUN(test_cyrillic_lowercases_with_yo_and_short_i_folded);
    RUN(test_greek_lowercases_without_tonos);
    RUN(test_middle_dot_and_apostrophes_are_dropped);
    RUN(test_combining_marks_fold_like_precomposed);
    RUN(test_runs_of_non_letters_become_one_space);
    RUN(test_emoji_are_not_letters);
    RUN(test_digits_and_other_scripts_are_kept);
    RUN(test_invalid_utf8_is_rejected);
    RUN(test_valid_utf8_edges_are_accepted);
    RUN(test_output_that_fits_exactly_and_one_byte_short);
    RUN(test_empty_input_folds_to_empty_text);
    RUN(test_output_is_never_longer_than_input);
    RUN(test_every_latin_letter_folds_to_ascii_or_itself);
    RUN(test_words_are_split_in_place);
    return check_done();
}
