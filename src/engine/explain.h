/*
 * explain.h - a loyalty program in plain words, for its members.
 *
 * fdl_program_explain() turns a loaded program (engine/rules.h) into the
 * text a member reads on a leaflet or in the app: a heading with the
 * program's name, one sentence per earn rule, then what points are worth,
 * when they expire and when new ones can be spent. English, Spanish,
 * Catalan and Russian are all written natively, not word by word:
 *
 *   # Café Estrella
 *
 *   ## Cómo ganar puntos
 *
 *   - 4 stars per euro. Gana 4 puntos por cada euro que pagues (no cuentan
 *     los productos con el código DELIVERY ni los productos de la categoría
 *     gift-cards).
 *   - De lunes a viernes, de 7:00 a 10:00, puntos dobles (hasta 200 puntos
 *     más por compra).
 *   - En tu primera compra, 100 puntos de regalo.
 *
 *   ## Tus puntos
 *
 *   - 100 puntos valen 1,00 €.
 *   - Los puntos caducan 12 meses después de ganarlos.
 *
 * (each bullet is one line; the text is wrapped here for the comment).
 * A rule's description, when it has one, leads its bullet as written by the
 * program's owner. Codes the program file defines (categories, skus,
 * labels, stores, tiers, segments) are quoted as they are: the engine has
 * no member-facing names for them. Channels it knows (till, app, web,
 * phone) are put in words. A condition (`when`, `when_line`) made of simple
 * comparisons joined by one kind of `and` / `or` is put in words too, its
 * weekdays, hours, months, stores, channels and tiers merged into the rule's
 * own; any other condition is quoted in its canonical form
 * (fdl_expr_format): "si se cumple: basket.lines >= 10 or not ...".
 *
 * Numbers, money and dates are written as engine/messages.h writes them.
 * The program file has no name for its points, so they are "points",
 * "puntos", "punts", "баллы", with each language's plurals.
 *
 * Pure: reads the definition, allocates only the text it returns (and
 * scratch memory freed before it returns), touches no clock or store.
 */
#ifndef FDL_EXPLAIN_H
#define FDL_EXPLAIN_H

#include "base/error.h"
#include "engine/rules.h"

#include <stddef.h>

/*
 * The longest text fdl_program_explain() writes (FDL_MAX_RULES rules with
 * every list at its limit fit with room to spare); past it, FDL_ETOO_LARGE.
 */
#define FDL_EXPLAIN_MAX_BYTES (8 * 1024 * 1024)

/*
 * Writes def's explanation in lang ("en", "es", "ca" or "ru"; NULL means
 * the program's own language) as NUL-terminated UTF-8 into a new string
 * stored in *out_text, which the caller frees with free(). One line per
 * heading and per bullet, each ending in "\n".
 *
 * Returns 0, or on failure leaves *out_text untouched and returns:
 *   FDL_EINVALID    lang is not one of the four (err->field "lang")
 *   FDL_ENOMEM      allocation failed
 *   FDL_ETOO_LARGE  the text would pass FDL_EXPLAIN_MAX_BYTES
 */
int fdl_program_explain(const struct fdl_program_def *def, const char *lang,
                        char **out_text, struct fdl_error *err);

/*
 * Writes the one sentence that explains rule def->rules[rule] (rule <
 * def->n_rules), without its description or bullet, into a new string
 * stored in *out_text (free() it): "Gana 4 puntos por cada euro que
 * pagues." Fails as fdl_program_explain() does.
 */
int fdl_rule_explain(const struct fdl_program_def *def, size_t rule, const char *lang,
                     char **out_text, struct fdl_error *err);

#endif
