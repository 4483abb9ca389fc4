// CZlib: zlib (Debian zlib1g-dev); gzread reads gzip-compressed and plain capture files alike.
#include <zlib.h>
