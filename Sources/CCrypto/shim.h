// CCrypto: OpenSSL libcrypto (Debian libssl-dev), used only for SHA-1 in the Community ID.
#include <openssl/sha.h>
