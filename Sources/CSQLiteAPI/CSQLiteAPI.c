// Declarations only (include/CSQLiteAPI.h); SwiftPM needs one source file to build the module.
#include "CSQLiteAPI.h"
