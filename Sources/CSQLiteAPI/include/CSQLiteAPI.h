#ifndef STEWARD_CSQLITEAPI_H
#define STEWARD_CSQLITEAPI_H

/*
 * The few SQLite C functions that Storage's SQLiteReader calls, declared as SQLiteNIO's vendored SQLite exports them
 * (every symbol prefixed `sqlite_nio_`). The definitions come from the SQLiteNIO library this module links against;
 * declaring them here keeps Storage off SQLiteNIO's internal C module, which is not a product of its package.
 *
 * Each declaration matches the one in sqlite-nio's sqlite_nio_sqlite3.h exactly.
 */

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

int sqlite_nio_sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs);
int sqlite_nio_sqlite3_close_v2(sqlite3 *db);
int sqlite_nio_sqlite3_busy_timeout(sqlite3 *db, int ms);
const char *sqlite_nio_sqlite3_errmsg(sqlite3 *db);

int sqlite_nio_sqlite3_prepare_v2(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt,
                                  const char **pzTail);
int sqlite_nio_sqlite3_step(sqlite3_stmt *pStmt);
int sqlite_nio_sqlite3_finalize(sqlite3_stmt *pStmt);

int sqlite_nio_sqlite3_column_type(sqlite3_stmt *pStmt, int iCol);
long long int sqlite_nio_sqlite3_column_int64(sqlite3_stmt *pStmt, int iCol);
const unsigned char *sqlite_nio_sqlite3_column_text(sqlite3_stmt *pStmt, int iCol);
int sqlite_nio_sqlite3_column_bytes(sqlite3_stmt *pStmt, int iCol);

#endif
