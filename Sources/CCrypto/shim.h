// CCrypto: OpenSSL libcrypto (Debian libssl-dev): SHA-1 for the Community ID, SHA-256 (EVP) for report evidence hashes.
#include <openssl/sha.h>
#include <openssl/evp.h>
