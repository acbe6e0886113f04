#ifndef REKEY_CSODIUM_SHIM_H
#define REKEY_CSODIUM_SHIM_H
#include <sodium.h>
#endif
