// A fresh directory for one test, removed with everything in it afterwards.
#ifndef TESTS_SUPPORT_TEMP_DIR_H_
#define TESTS_SUPPORT_TEMP_DIR_H_

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

namespace testing_support {

class TempDir {
 public:
  // Creates oaipmh-test-<random> in the system's temporary folder; creating
  // a directory fails when it exists, so a name is never shared.
  TempDir() {
    std::random_device random;
    const auto base = std::filesystem::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
      char name[32];
      std::snprintf(name, sizeof name, "oaipmh-test-%08x%08x", random(), random());
      if (std::filesystem::create_directory(base / name)) {
        path_ = base / name;
        return;
      }
    }
    std::abort();
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the directory, as a string.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace testing_support

#endif  // TESTS_SUPPORT_TEMP_DIR_H_
