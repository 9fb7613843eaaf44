/*
 * banned.h - functions that have no place in Fidelis, made into compile errors.
 *
 * Included into every translation unit by the build (-include). Unbounded
 * string copies and non-reentrant time functions have safe replacements:
 * snprintf, memcpy with a checked length, gmtime_r, strtok_r.
 */
#ifndef FDL_BANNED_H
#define FDL_BANNED_H

#define FDL_BANNED(func) sorry_##func##_is_banned_in_fidelis

#undef strcpy
#define strcpy(x, y) FDL_BANNED(strcpy)
#undef strcat
#define strcat(x, y) FDL_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) FDL_BANNED(strncpy)
#undef sprintf
#define sprintf(...) FDL_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) FDL_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) FDL_BANNED(strtok)
#undef gets
#define gets(x) FDL_BANNED(gets)
#undef localtime
#define localtime(t) FDL_BANNED(localtime)
#undef gmtime
#define gmtime(t) FDL_BANNED(gmtime)
#undef ctime
#define ctime(t) FDL_BANNED(ctime)
#undef asctime
#define asctime(t) FDL_BANNED(asctime)

#endif
