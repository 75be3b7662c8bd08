/* encoding.c formats only "%lu" with sprintf; this keeps libc's stdio (and its WASI imports) out. */
#include <stdarg.h>
int argon2_wasm_sprintf(char *out, const char *format, ...) {
    char digits[24];
    int n = 0, len = 0;
    unsigned long x;
    va_list args;
    (void)format;
    va_start(args, format);
    x = va_arg(args, unsigned long);
    va_end(args);
    do {
        digits[n++] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    while (n) out[len++] = digits[--n];
    out[len] = '\0';
    return len;
}
