// A fresh PostgreSQL database for one test, dropped afterwards, in the
// throwaway cluster CTest starts (the Postgres.Start fixture,
// scripts/test-postgres.sh): OAIPMH_TEST_POSTGRES names its maintenance
// database's URL. A test that needs PostgreSQL fails, never skips, without it.
#ifndef TESTS_SUPPORT_POSTGRES_DATABASE_H_
#define TESTS_SUPPORT_POSTGRES_DATABASE_H_

#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

namespace testing_support {

// The maintenance database's URL, or throws saying how to get one.
inline std::string postgres_server_url() {
  const char* url = std::getenv("OAIPMH_TEST_POSTGRES");
  if (url == nullptr || *url == '\0') {
    throw std::runtime_error(
        "OAIPMH_TEST_POSTGRES is not set: run the tests with ctest (its Postgres.Start fixture "
        "starts a throwaway cluster), or start one with scripts/test-postgres.sh start DIR and "
        "set OAIPMH_TEST_POSTGRES to what scripts/test-postgres.sh url DIR prints");
  }
  return url;
}

// `url` with its database name replaced by `database` (the path of
// postgresql:///NAME?...).
inline std::string with_database(const std::string& url, const std::string& database) {
  const auto path = url.find('/', url.find("://") + 3);
  const auto query = url.find('?', path);
  return url.substr(0, path + 1) + database + (query == std::string::npos ? "" : url.substr(query));
}

class PostgresDatabase {
 public:
  PostgresDatabase() : server_(postgres_server_url()) {
    std::random_device random;
    char name[40];
    std::snprintf(name, sizeof name, "oaipmh_test_%d_%08x", static_cast<int>(getpid()), random());
    name_ = name;
    run("CREATE DATABASE " + name_);
  }
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;
  ~PostgresDatabase() {
    try {
      run("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {
      // The cluster is removed with the test run anyway.
    }
  }

  // The store URL of this database, for Store::open() and --store.
  std::string url() const { return with_database(server_, name_); }
  const std::string& name() const { return name_; }

 private:
  void run(const std::string& sql) const {
    PGconn* connection = PQconnectdb(server_.c_str());
    std::string error;
    if (PQstatus(connection) != CONNECTION_OK) {
      error = PQerrorMessage(connection);
    } else {
      PGresult* result = PQexec(connection, sql.c_str());
      if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
      PQclear(result);
    }
    PQfinish(connection);
    if (!error.empty()) throw std::runtime_error(sql + ": " + error);
  }

  std::string server_;
  std::string name_;
};

}  // namespace testing_support

#endif  // TESTS_SUPPORT_POSTGRES_DATABASE_H_
