/*
 * text.c - UTF-8 validation and search folding (contracts in text.h).
 *
 * Folding is driven by one table of code point ranges, sorted and
 * non-overlapping, each with an action: keep, drop, become a space, shift
 * by an offset (A-Z, А-Я), lowercase alternating capital/small pairs,
 * map to one code point (Ё -> е, Ά -> α), or map through a string of ASCII
 * base letters (the Latin blocks). A code point in no range is kept as it
 * is: a letter of a script this table does not know.
 *
 * Invariant: each code point folds to at most as many bytes as it takes in
 * the input, so the output is never longer than the input.
 */
#include "base/text.h"

#include <assert.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#define UNICODE_MAX 0x10FFFFu

enum fold_action {
    FOLD_KEEP,   /* a letter or digit already in folded form */
    FOLD_DROP,   /* vanishes without separating words: accents, apostrophes */
    FOLD_SPACE,  /* separates words */
    FOLD_OFFSET, /* code point + arg */
    FOLD_PAIRS,  /* capital/small pairs from first: capitals become cp + 1 */
    FOLD_TO,     /* the code point arg */
    FOLD_LATIN,  /* letters[cp - first], see below */
};

struct fold_range {
    uint32_t first;
    uint32_t last;
    enum fold_action action;
    int32_t arg;
    const char *letters;
};

// clang-format off
#define KEEP(a, b)          {a, b, FOLD_KEEP, 0, NULL}
#define DROP(a, b)          {a, b, FOLD_DROP, 0, NULL}
#define SPACE(a, b)         {a, b, FOLD_SPACE, 0, NULL}
#define OFFSET(a, b, delta) {a, b, FOLD_OFFSET, delta, NULL}
#define PAIRS(a, b)         {a, b, FOLD_PAIRS, 0, NULL}
#define TO(a, target)       {a, a, FOLD_TO, target, NULL}
#define LATIN(a, b, s)      {a, b, FOLD_LATIN, 0, s}
// clang-format on

/*
 * Base letters of the Latin blocks, one character per code point, sixteen
 * to a line: a letter is the folded form, '*' means "see fold_digraphs",
 * '.' keeps the code point as it is (letters with no ASCII base, such as
 * ə or ʒ), ' ' is not a letter (× and ÷).
 */
static const char latin_1_letters[] = /* U+00C0-U+00FF */
    "aaaaaa*ceeeeiiii"
    "dnooooo ouuuuy**"
    "aaaaaa*ceeeeiiii"
    "dnooooo ouuuuy*y";

static const char latin_extended_a_letters[] = /* U+0100-U+017F */
    "aaaaaaccccccccdd"
    "ddeeeeeeeeeegggg"
    "gggghhhhiiiiiiii"
    "ii**jjkkklllllll"
    "lllnnnnnnnnnoooo"
    "oo**rrrrrrssssss"
    "ssttttttuuuuuuuu"
    "uuuuwwyyyzzzzzzs";

static const char latin_extended_b_letters[] = /* U+0180-U+024F */
    "bbbb...cc.ddd.e."
    ".ffg.*.ikkl..nno"
    "oo**pp.....ttttu"
    "u.vyyzz........."
    "....*********aai"
    "ioouuuuuuuuuueaa"
    "aa**ggggkkoooo.."
    "j***gg*.nnaa**oo"
    "aaaaeeeeiiiioooo"
    "rrrruuuusstt..hh"
    "nd**zzaaeeoooooo"
    "ooyylntj**acclts"
    "z..bu.eejjqqrryy";

static const char latin_extended_additional_letters[] = /* U+1E00-U+1EFF */
    "aabbbbbbccdddddd"
    "ddddeeeeeeeeeeff"
    "gghhhhhhhhhhiiii"
    "kkkkkkllllllllmm"
    "mmmmnnnnnnnnoooo"
    "oooopppprrrrrrrr"
    "sssssssssstttttt"
    "ttuuuuuuuuuuvvvv"
    "wwwwwwwwwwxxxxyy"
    "zzzzzzhtwyasss*."
    "aaaaaaaaaaaaaaaa"
    "aaaaaaaaeeeeeeee"
    "eeeeeeeeiiiioooo"
    "oooooooooooooooo"
    "oooouuuuuuuuuuuu"
    "uuyyyyyyyy**vvyy";

/* Latin letters that fold to two ASCII letters, sorted. */
static const struct fold_digraph {
    uint32_t code_point;
    char letters[3];
} fold_digraphs[] = {
    {0x00C6, "ae"}, {0x00DE, "th"}, {0x00DF, "ss"}, {0x00E6, "ae"}, {0x00FE, "th"},
    {0x0132, "ij"}, {0x0133, "ij"}, {0x0152, "oe"}, {0x0153, "oe"}, {0x0195, "hv"},
    {0x01A2, "oi"}, {0x01A3, "oi"}, {0x01C4, "dz"}, {0x01C5, "dz"}, {0x01C6, "dz"},
    {0x01C7, "lj"}, {0x01C8, "lj"}, {0x01C9, "lj"}, {0x01CA, "nj"}, {0x01CB, "nj"},
    {0x01CC, "nj"}, {0x01E2, "ae"}, {0x01E3, "ae"}, {0x01F1, "dz"}, {0x01F2, "dz"},
    {0x01F3, "dz"}, {0x01F6, "hv"}, {0x01FC, "ae"}, {0x01FD, "ae"}, {0x0222, "ou"},
    {0x0223, "ou"}, {0x0238, "db"}, {0x0239, "qp"}, {0x1E9E, "ss"}, {0x1EFA, "ll"},
    {0x1EFB, "ll"},
};

/* Sorted by first; no two ranges overlap. Gaps are FOLD_KEEP. */
static const struct fold_range fold_ranges[] = {
    /* ASCII */
    SPACE(0x0000, 0x0026),        /* controls, space, !"#$%& */
    DROP(0x0027, 0x0027),         /* ' */
    SPACE(0x0028, 0x002F),        /* ()*+,-./ */
    KEEP(0x0030, 0x0039),         /* 0-9 */
    SPACE(0x003A, 0x0040),        /* :;<=>?@ */
    OFFSET(0x0041, 0x005A, 0x20), /* A-Z -> a-z */
    SPACE(0x005B, 0x005F),        /* [\]^_ */
    DROP(0x0060, 0x0060),         /* ` typed for an apostrophe */
    KEEP(0x0061, 0x007A),         /* a-z */
    SPACE(0x007B, 0x00AC),        /* {|}~, DEL, C1 controls, NBSP, ¡-¬ */
    DROP(0x00AD, 0x00AD),         /* soft hyphen */
    SPACE(0x00AE, 0x00B3),        /* ®-³ */
    DROP(0x00B4, 0x00B4),         /* ´ typed for an apostrophe */
    SPACE(0x00B5, 0x00B6),        /* µ ¶ */
    DROP(0x00B7, 0x00B7),         /* middle dot: Catalan l·l */
    SPACE(0x00B8, 0x00BF),        /* ¸-¿ */
    /* Latin */
    LATIN(0x00C0, 0x00FF, latin_1_letters),
    LATIN(0x0100, 0x017F, latin_extended_a_letters),
    LATIN(0x0180, 0x024F, latin_extended_b_letters),
    SPACE(0x02B0, 0x02B8), /* modifier letters ʰ-ʸ */
    DROP(0x02B9, 0x02BF),  /* primes, ʻ okina, ʼ apostrophe, ʾ ʿ */
    SPACE(0x02C0, 0x02FF), /* spacing accents and tone letters */
    DROP(0x0300, 0x036F),  /* combining diacritical marks */
    /* Greek */
    PAIRS(0x0370, 0x0373),        /* Ͱ ͱ Ͳ ͳ */
    SPACE(0x0374, 0x0375),        /* numeral signs */
    PAIRS(0x0376, 0x0377),        /* Ͷ ͷ */
    SPACE(0x037E, 0x037E),        /* ; question mark */
    DROP(0x0384, 0x0385),         /* spacing tonos, dialytika tonos */
    TO(0x0386, 0x03B1),           /* Ά -> α */
    SPACE(0x0387, 0x0387),        /* ano teleia */
    TO(0x0388, 0x03B5),           /* Έ -> ε */
    TO(0x0389, 0x03B7),           /* Ή -> η */
    TO(0x038A, 0x03B9),           /* Ί -> ι */
    TO(0x038C, 0x03BF),           /* Ό -> ο */
    TO(0x038E, 0x03C5),           /* Ύ -> υ */
    TO(0x038F, 0x03C9),           /* Ώ -> ω */
    TO(0x0390, 0x03B9),           /* ΐ -> ι */
    OFFSET(0x0391, 0x03A1, 0x20), /* Α-Ρ -> α-ρ */
    OFFSET(0x03A3, 0x03A9, 0x20), /* Σ-Ω -> σ-ω */
    TO(0x03AA, 0x03B9),           /* Ϊ -> ι */
    TO(0x03AB, 0x03C5),           /* Ϋ -> υ */
    TO(0x03AC, 0x03B1),           /* ά -> α */
    TO(0x03AD, 0x03B5),           /* έ -> ε */
    TO(0x03AE, 0x03B7),           /* ή -> η */
    TO(0x03AF, 0x03B9),           /* ί -> ι */
    TO(0x03B0, 0x03C5),           /* ΰ -> υ */
    TO(0x03C2, 0x03C3),           /* ς -> σ */
    TO(0x03CA, 0x03B9),           /* ϊ -> ι */
    TO(0x03CB, 0x03C5),           /* ϋ -> υ */
    TO(0x03CC, 0x03BF),           /* ό -> ο */
    TO(0x03CD, 0x03C5),           /* ύ -> υ */
    TO(0x03CE, 0x03C9),           /* ώ -> ω */
    /* Cyrillic */
    TO(0x0400, 0x0435),           /* Ѐ -> е */
    TO(0x0401, 0x0435),           /* Ё -> е */
    OFFSET(0x0402, 0x040C, 0x50), /* Ђ-Ќ -> ђ-ќ */
    TO(0x040D, 0x0438),           /* Ѝ -> и */
    OFFSET(0x040E, 0x040F, 0x50), /* Ў Џ -> ў џ */
    OFFSET(0x0410, 0x0418, 0x20), /* А-И -> а-и */
    TO(0x0419, 0x0438),           /* Й -> и */
    OFFSET(0x041A, 0x042F, 0x20), /* К-Я -> к-я */
    TO(0x0439, 0x0438),           /* й -> и */
    TO(0x0450, 0x0435),           /* ѐ -> е */
    TO(0x0451, 0x0435),           /* ё -> е */
    TO(0x045D, 0x0438),           /* ѝ -> и */
    PAIRS(0x0460, 0x0481),        /* Ѡ ѡ ... Ҁ ҁ */
    SPACE(0x0482, 0x0482),        /* thousands sign */
    DROP(0x0483, 0x0489),         /* combining titlo and friends */
    PAIRS(0x048A, 0x04BF),        /* Ҋ ҋ ... Ґ ґ ... Ҿ ҿ */
    TO(0x04C0, 0x04CF),           /* Ӏ -> ӏ */
    PAIRS(0x04C1, 0x04CE),        /* Ӂ ӂ ... Ӎ ӎ */
    PAIRS(0x04D0, 0x052F),        /* Ӑ ӑ ... Ԯ ԯ */
    /* More Latin */
    LATIN(0x1E00, 0x1EFF, latin_extended_additional_letters),
    /* Punctuation and symbols */
    SPACE(0x2000, 0x200A),       /* spaces */
    DROP(0x200B, 0x200F),        /* zero-width space and joiners, LRM, RLM */
    SPACE(0x2010, 0x2017),       /* hyphens and dashes */
    DROP(0x2018, 0x2019),        /* ‘ ’ */
    SPACE(0x201A, 0x2026),       /* quotes, bullets, ellipsis */
    DROP(0x2027, 0x2027),        /* hyphenation point, also used for l·l */
    SPACE(0x2028, 0x2029),       /* line and paragraph separators */
    DROP(0x202A, 0x202E),        /* bidi embeddings */
    SPACE(0x202F, 0x205F),       /* narrow NBSP, more punctuation */
    DROP(0x2060, 0x206F),        /* word joiner, invisible operators, bidi */
    SPACE(0x2070, 0x2BFF),       /* sub/superscripts, currency, arrows, math,
                                    shapes, dingbats, misc symbols */
    SPACE(0x2E00, 0x2E7F),       /* supplemental punctuation */
    SPACE(0x3000, 0x3004),       /* ideographic space, 、 。 */
    SPACE(0x3008, 0x3020),       /* CJK brackets and symbols */
    SPACE(0x30FB, 0x30FB),       /* katakana middle dot between names */
    SPACE(0xE000, 0xF8FF),       /* private use */
    DROP(0xFE00, 0xFE0F),        /* variation selectors (emoji style) */
    SPACE(0xFE10, 0xFE1F),       /* vertical punctuation */
    SPACE(0xFE30, 0xFE6F),       /* CJK compatibility and small forms */
    DROP(0xFEFF, 0xFEFF),        /* byte order mark */
    SPACE(0xFFF0, 0xFFFF),       /* specials, U+FFFD replacement */
    SPACE(0x1F000, 0x1FBFF),     /* emoji, pictographs, game symbols */
    DROP(0xE0000, 0xE007F),      /* tags (subdivision flags) */
    DROP(0xE0100, 0xE01EF),      /* variation selectors supplement */
    SPACE(0xF0000, UNICODE_MAX), /* private use planes */
};

#define FOLD_RANGE_COUNT (sizeof(fold_ranges) / sizeof(fold_ranges[0]))

/* Where a fold is being written; out == NULL only measures. */
struct fold_writer {
    char *out;
    size_t cap;
    size_t len;
    int space_pending;
};

/*
 * Decodes the UTF-8 sequence at s (n > 0 bytes available) into *cp and
 * returns its length, or 0 if it is malformed, overlong, a surrogate or
 * above U+10FFFF.
 */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    assert(n > 0);
    uint32_t value, min;
    size_t len;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2, value = s[0] & 0x1Fu, min = 0x80;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3, value = s[0] & 0x0Fu, min = 0x800;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4, value = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0; /* continuation byte, C0, C1 or F5-FF */
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        value = value << 6 | (s[i] & 0x3Fu);
    }
    if (value < min || value > UNICODE_MAX || (value >= 0xD800 && value <= 0xDFFF))
        return 0;
    *cp = value;
    return len;
}

/* Writes cp (a valid scalar value) as UTF-8 into out; returns its length. */
static size_t utf8_encode(uint32_t cp, char out[4])
{
    assert(cp <= UNICODE_MAX && (cp < 0xD800 || cp > 0xDFFF));
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

int fdl_utf8_valid(const char *s, size_t n)
{
    assert(s || n == 0);
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0) {
        uint32_t cp;
        size_t len = utf8_decode(p, n, &cp);
        if (len == 0)
            return 0;
        p += len;
        n -= len;
    }
    return 1;
}

/* The range holding cp, or NULL if it is in a gap (kept as it is). */
static const struct fold_range *fold_find(uint32_t cp)
{
    size_t low = 0, high = FOLD_RANGE_COUNT;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (cp < fold_ranges[mid].first)
            high = mid;
        else if (cp > fold_ranges[mid].last)
            low = mid + 1;
        else
            return &fold_ranges[mid];
    }
    return NULL;
}

static const char *fold_digraph(uint32_t cp)
{
    for (size_t i = 0; i < sizeof(fold_digraphs) / sizeof(fold_digraphs[0]); i++)
        if (fold_digraphs[i].code_point == cp)
            return fold_digraphs[i].letters;
    assert(!"a '*' in a Latin table has no digraph");
    return "";
}

/* Appends n bytes of a word, after the pending space if there is one. */
static void writer_put(struct fold_writer *w, const char *bytes, size_t n)
{
    if (w->space_pending && w->len > 0) {
        if (w->out)
            w->out[w->len] = ' ';
        w->len++;
    }
    w->space_pending = 0;
    if (w->out) {
        assert(w->len + n < w->cap);
        memcpy(w->out + w->len, bytes, n);
    }
    w->len += n;
}

static void writer_put_code_point(struct fold_writer *w, uint32_t cp)
{
    char bytes[4];
    writer_put(w, bytes, utf8_encode(cp, bytes));
}

static void fold_latin(struct fold_writer *w, const struct fold_range *range, uint32_t cp)
{
    char letter = range->letters[cp - range->first];
    if (letter == ' ')
        w->space_pending = 1;
    else if (letter == '.')
        writer_put_code_point(w, cp);
    else if (letter == '*')
        writer_put(w, fold_digraph(cp), 2);
    else
        writer_put(w, &letter, 1);
}

static void fold_code_point(struct fold_writer *w, uint32_t cp)
{
    const struct fold_range *range = fold_find(cp);
    if (!range) {
        writer_put_code_point(w, cp);
        return;
    }
    switch (range->action) {
    case FOLD_KEEP:
        writer_put_code_point(w, cp);
        break;
    case FOLD_DROP:
        break;
    case FOLD_SPACE:
        w->space_pending = 1;
        break;
    case FOLD_OFFSET:
        writer_put_code_point(w, (uint32_t)((int32_t)cp + range->arg));
        break;
    case FOLD_PAIRS:
        writer_put_code_point(w, cp + ((cp - range->first) % 2 == 0));
        break;
    case FOLD_TO:
        writer_put_code_point(w, (uint32_t)range->arg);
        break;
    case FOLD_LATIN:
        fold_latin(w, range, cp);
        break;
    }
}

/* Folds [in, in + in_len) into w; returns 0, or -1 on malformed UTF-8. */
static int fold_run(const char *in, size_t in_len, struct fold_writer *w)
{
    const unsigned char *p = (const unsigned char *)in;
    while (in_len > 0) {
        uint32_t cp;
        size_t len = utf8_decode(p, in_len, &cp);
        if (len == 0)
            return -1;
        fold_code_point(w, cp);
        p += len;
        in_len -= len;
    }
    return 0;
}

#ifndef NDEBUG
static int fold_ranges_sorted(void)
{
    for (size_t i = 0; i < FOLD_RANGE_COUNT; i++) {
        const struct fold_range *r = &fold_ranges[i];
        if (r->first > r->last || (i > 0 && r->first <= fold_ranges[i - 1].last))
            return 0;
        if (r->action == FOLD_LATIN && strlen(r->letters) != r->last - r->first + 1)
            return 0;
    }
    return 1;
}
#endif

int fdl_text_fold(const char *in, size_t in_len, char *out, size_t out_cap)
{
    assert(in || in_len == 0);
    assert(out || out_cap == 0);
    assert(fold_ranges_sorted());
    if (in_len > INT_MAX)
        return -1;

    /* Measure first so that out stays untouched when the fold fails. */
    struct fold_writer measure = {NULL, 0, 0, 0};
    if (fold_run(in, in_len, &measure) < 0 || measure.len >= out_cap)
        return -1;
    assert(measure.len <= in_len);

    struct fold_writer write = {out, out_cap, 0, 0};
    int rc = fold_run(in, in_len, &write);
    assert(rc == 0 && write.len == measure.len);
    (void)rc;
    out[write.len] = '\0';
    return (int)write.len;
}

int fdl_text_words(char *folded, char **words, int max_words)
{
    assert(folded);
    assert(words || max_words <= 0);
    int count = 0;
    char *p = folded;
    while (count < max_words) {
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        words[count++] = p;
        while (*p != '\0' && *p != ' ')
            p++;
        if (*p == ' ')
            *p++ = '\0';
    }
    return count;
}
