// The provider's handler: one OAI-PMH request in, one response document out.
// A pure function of (arguments, store, clock, settings): no sockets here.
#ifndef PROVIDER_OAI_HANDLER_H_
#define PROVIDER_OAI_HANDLER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "provider/request.h"
#include "provider/resumption_token.h"
#include "store/store.h"

namespace provider {

struct ProviderSettings {
  // The canonical base URL: Identify's baseURL and every <request> (H-9).
  std::string base_url = "http://127.0.0.1:8080/oai";
  std::string repository_name = "oaipmh aggregator";
  std::string admin_email = "admin@example.org";
  // The namespace-identifier of our identifiers (OI-1): a domain name.
  std::string repository_identifier = "aggregator.example.org";
  int records_per_page = 100;
  int identifiers_per_page = 500;
  int sets_per_page = 500;
  std::int64_t token_lifetime_seconds = 48 * 3600;  // at least 24 hours (issue: expirationDate)
};

// The seconds since the epoch, now. Injected so tests can move time.
using Clock = std::function<std::int64_t()>;

struct OaiReply {
  std::string body;        // the whole XML document
  std::string log_detail;  // "verb=ListRecords metadataPrefix=oai_dc ..." for the access log
  // Records (GetRecord, ListRecords) or headers (ListIdentifiers) in body, for metrics.
  std::int64_t records = 0;
};

class OaiHandler {
 public:
  OaiHandler(ProviderSettings settings, TokenCodec tokens, Clock clock);

  // Answers `arguments` from `store`, all reads in one snapshot. OAI-PMH
  // errors are answers too (HTTP 200, H-7). Throws only when the store fails.
  OaiReply handle(const RawArguments& arguments, store::Store& store) const;

  // The answer to arguments that cannot be decoded (a bad %-escape, invalid
  // UTF-8): badArgument, illegal syntax (H-5). `raw` is logged.
  OaiReply undecodable(std::string_view raw) const;

  const ProviderSettings& settings() const { return settings_; }

 private:
  ProviderSettings settings_;
  TokenCodec tokens_;
  Clock clock_;
};

}  // namespace provider

#endif  // PROVIDER_OAI_HANDLER_H_
