/*
 * text.h - UTF-8 validation and folding text for name search.
 *
 * Till staff find members by typing the start of a name without accents or
 * capitals: "jose" finds "José", "елкин" finds "ЁЛКИН". Both the stored name
 * and the query are folded the same way, and a word of the query matches a
 * word of the name it is a prefix of. Everything here is pure: no
 * allocation, no locale, no global state.
 */
#ifndef FDL_TEXT_H
#define FDL_TEXT_H

#include <stddef.h>

/*
 * fdl_utf8_valid() returns 1 if the n bytes at s are well-formed UTF-8 and 0
 * otherwise: no stray continuation bytes, no truncated sequences, no
 * overlong encodings, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF.
 * NUL bytes are valid (U+0000). s may be NULL when n is 0.
 */
int fdl_utf8_valid(const char *s, size_t n);

/*
 * fdl_text_fold() folds the in_len bytes of UTF-8 at in for search and
 * writes the result and a NUL into out, which holds out_cap bytes.
 *
 *   - Latin letters become lowercase ASCII without diacritics: Latin-1
 *     Supplement, Latin Extended-A and -B, and Latin Extended Additional
 *     (Vietnamese); ß and ẞ -> ss, æ -> ae, œ -> oe, ĳ -> ij, ø -> o,
 *     ł -> l, đ and ð -> d, þ -> th, ŀ -> l.
 *   - Cyrillic becomes lowercase, with ё -> е and й -> и (and ѐ -> е,
 *     ѝ -> и); other letters such as ї, ў, ґ keep their identity.
 *   - Greek becomes lowercase without tonos or dialytika, and final ς -> σ
 *     so that a prefix typed with σ matches.
 *   - Combining marks U+0300-U+036F are dropped, so decomposed "e\u0301"
 *     folds like "é". Apostrophes (' ` ´ ‘ ’ ʼ ʻ), the middle dot U+00B7,
 *     soft hyphens and invisible format characters are dropped too, so
 *     "Col·lell" -> "collell" and "O'Brien" -> "obrien".
 *   - Every run of other non-letters (spaces, punctuation, symbols, emoji,
 *     controls) becomes one ASCII space; none leads or trails.
 *   - Digits are kept. Letters of other scripts (CJK, Arabic, ...) are kept
 *     unchanged, without case folding.
 *
 * The output is never longer than the input. Returns the output's length,
 * or -1 if the input is not valid UTF-8, is longer than INT_MAX, or the
 * output and its NUL do not fit in out_cap; out is untouched on failure.
 * in may be NULL when in_len is 0; out may be NULL when out_cap is 0.
 */
int fdl_text_fold(const char *in, size_t in_len, char *out, size_t out_cap);

/*
 * fdl_text_words() splits folded (NUL-terminated output of fdl_text_fold())
 * in place into its space-separated words: writes a pointer to the start of
 * each into words and replaces the space after each with a NUL. Stops after
 * max_words words, leaving the rest of the text after the last word's NUL
 * as it was. Returns the number of words (0 for an empty text or
 * max_words <= 0).
 */
int fdl_text_words(char *folded, char **words, int max_words);

#endif
