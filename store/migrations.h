// The schema migrations compiled into the binary (schema/NNN_*.sql and
// schema/postgresql/NNN_*.sql).
#ifndef STORE_MIGRATIONS_H_
#define STORE_MIGRATIONS_H_

#include <vector>

namespace store {

// One schema step. Versions run 1, 2, 3, ... with no gaps; applying version N
// to a store at N - 1 sets PRAGMA user_version to N.
struct Migration {
  int version;
  const char* name;  // the SQL file's name, for messages
  const char* sql;   // one or more statements
};

// Every migration of schema/, in version order (generated at build time).
extern const std::vector<Migration> kMigrations;

// Every migration of schema/postgresql/, the same for PostgreSQL stores,
// whose version is kept in the table schema_version.
extern const std::vector<Migration> kPostgresMigrations;

}  // namespace store

#endif  // STORE_MIGRATIONS_H_
