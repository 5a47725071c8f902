#include "harvester/source_harvest.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "harvester/loop_guard.h"
#include "harvester/oai_client.h"
#include "harvester/page_pipeline.h"
#include "oai/datestamp.h"

namespace harvester {
namespace {

// Ends the harvest of the source with a message for people.
class HarvestFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The repository refused a resumption token: the list restarts (HV-5).
class TokenRefused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Window {
  std::optional<std::string> from;
  std::optional<std::string> until;
};

std::string describe(const Window& window) {
  if (!window.from && !window.until) return "everything";
  std::string text;
  if (window.from) text += "from " + *window.from;
  if (window.until) text += (text.empty() ? "until " : " until ") + *window.until;
  return text;
}

std::string first_error(const Response& response) {
  const auto& error = response.errors.front();
  return error.code + (error.message.empty() ? "" : ": " + error.message);
}

bool has_error(const Response& response, std::string_view code) {
  return std::any_of(response.errors.begin(), response.errors.end(),
                     [&](const OaiError& error) { return error.code == code; });
}

oai::Datestamp parse_bound(const std::string& text, const char* which) {
  const auto parsed = oai::Datestamp::parse(text);
  if (!parsed) {
    throw HarvestFailure(std::string("invalid ") + which + " '" + text +
                         "': use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
  }
  return *parsed;
}

// The window's bounds as the repository must receive them: never finer than
// its granularity (HV-2, D-4) and both in one granularity (D-5).
Window window_for(const std::optional<std::string>& from, const std::optional<std::string>& until,
                  oai::Granularity granularity) {
  std::optional<oai::Datestamp> low;
  std::optional<oai::Datestamp> high;
  if (from) low = parse_bound(*from, "from");
  if (until) high = parse_bound(*until, "until");
  const bool mixed = low && high && low->granularity() != high->granularity();
  if (granularity == oai::Granularity::kDay || mixed) {
    const auto unit = granularity == oai::Granularity::kDay ? oai::Granularity::kDay
                                                            : oai::Granularity::kSeconds;
    if (low) low = low->with_granularity(unit);
    if (high) {
      // A day until covers its whole day (D-8).
      high = high->granularity() == oai::Granularity::kDay && unit == oai::Granularity::kSeconds
                 ? oai::Datestamp::from_unix_seconds(high->last_second())
                 : high->with_granularity(unit);
    }
  }
  if (low && high && low->first_second() > high->last_second()) {
    throw HarvestFailure("from " + low->to_string() + " is later than until " + high->to_string());
  }
  Window window;
  if (low) window.from = low->to_string();
  if (high) window.until = high->to_string();
  return window;
}

class SourceHarvest {
 public:
  SourceHarvest(const std::string& store_path, const SourceSettings& settings,
                const LogFunction& log, const ProgressFunction& progress)
      : settings_(settings),
        log_(log),
        progress_(progress),
        store_(store::Store::open(store_path)),
        client_(settings.http, settings.retry, settings.politeness_delay),
        base_url_(settings.base_url),
        started_(std::chrono::steady_clock::now()) {
    summary_.source = settings.name;
    client_.on_retry = [this](const std::string& reason, double seconds) {
      log_("warning", settings_.name + ": " + reason + "; retrying in " +
                          std::to_string(static_cast<int>(seconds + 0.5)) + " s");
    };
  }

  SourceSummary run() {
    source_id_ = store_.upsert_source(settings_.name, settings_.base_url);
    run_id_ = store_.begin_run(source_id_);
    try {
      identify();
      const auto prefixes = list_metadata_formats();
      list_sets();
      const std::vector<std::string> whole = {""};
      for (const auto& prefix : prefixes) {
        for (const auto& set : settings_.sets.empty() ? whole : settings_.sets) {
          harvest_list(prefix, set);
        }
      }
      if (!missing_formats_.empty()) {
        throw HarvestFailure("the repository does not offer " + missing_formats_);
      }
      summary_.ok = true;
    } catch (const FetchError& error) {
      summary_.error = error.what() + std::string(" (") + error.url + ")";
      if (!error.raw.empty()) {
        store_.quarantine(source_id_, run_id_, error.url, error.what(),
                          error.byte_offset >= 0 ? std::optional(error.byte_offset) : std::nullopt,
                          error.raw);
        ++summary_.quarantined;
      }
    } catch (const std::exception& error) {
      summary_.error = error.what();
    }
    summary_.retries = client_.retries();
    summary_.seconds = elapsed();
    store_.finish_run(run_id_, summary_.ok ? store::RunResult::kOk : store::RunResult::kFailed,
                      summary_.error, summary_.retries);
    return summary_;
  }

 private:
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  Fetched fetch(const Arguments& arguments) {
    Fetched fetched = client_.fetch(base_url_, arguments);
    summary_.bytes += fetched.bytes;
    summary_.illegal_characters += static_cast<std::int64_t>(fetched.response.illegal_characters_removed);
    if (fetched.response.illegal_characters_removed > 0) {
      log_("warning", settings_.name + ": removed " +
                          std::to_string(fetched.response.illegal_characters_removed) +
                          " characters illegal in XML from " + fetched.url);
    }
    for (const auto& rejected : fetched.response.rejected) {
      store().quarantine(source_id_, run_id_, fetched.url, rejected.reason, std::nullopt, rejected.raw);
      ++summary_.quarantined;
      log_("warning", settings_.name + ": quarantined a record: " + rejected.reason);
    }
    return fetched;
  }

  // The response of `verb`, or a failure naming the OAI error it brought.
  Response expect(const std::string& verb, Fetched fetched) {
    if (!fetched.response.errors.empty()) {
      throw HarvestFailure(verb + " failed: " + first_error(fetched.response));
    }
    if (fetched.response.verb != verb) {
      throw HarvestFailure(verb + " was answered with <" + fetched.response.verb + "> (" +
                           fetched.url + ")");
    }
    return std::move(fetched.response);
  }

  void identify() {
    Response response = expect("Identify", fetch({{"verb", "Identify"}}));
    store::IdentifyFacts facts = *response.identify;
    facts.response_date = response.response_date;
    const auto granularity = oai::parse_granularity(facts.granularity);
    if (!granularity) {
      log_("warning", settings_.name + ": Identify declares granularity '" + facts.granularity +
                          "'; using YYYY-MM-DD");
      facts.granularity = std::string(oai::to_string(oai::Granularity::kDay));
    }
    granularity_ = granularity.value_or(oai::Granularity::kDay);
    deleted_record_ = facts.deleted_record;
    store_.save_identify(source_id_, facts);
    const auto& declared = facts.declared_base_url;
    if (settings_.use_declared_base_url && declared != base_url_ &&
        (declared.rfind("http://", 0) == 0 || declared.rfind("https://", 0) == 0)) {
      declared_base_url_ = declared;
    }
  }

  // ListMetadataFormats: the first request after Identify, so it also tries
  // the declared baseURL and falls back to the configured one.
  std::vector<std::string> list_metadata_formats() {
    Fetched fetched;
    if (!declared_base_url_.empty()) {
      try {
        const std::string configured = base_url_;
        base_url_ = declared_base_url_;
        fetched = fetch({{"verb", "ListMetadataFormats"}});
        if (fetched.response.verb != "ListMetadataFormats" && fetched.response.errors.empty()) {
          base_url_ = configured;
          fetched = fetch({{"verb", "ListMetadataFormats"}});
        }
      } catch (const FetchError& error) {
        log_("warning", settings_.name + ": the declared baseURL " + declared_base_url_ +
                            " does not answer (" + error.what() + "); using " +
                            settings_.base_url);
        base_url_ = settings_.base_url;
        fetched = fetch({{"verb", "ListMetadataFormats"}});
      }
    } else {
      fetched = fetch({{"verb", "ListMetadataFormats"}});
    }
    const Response response = expect("ListMetadataFormats", std::move(fetched));
    store_.save_formats(source_id_, response.formats);
    std::vector<std::string> wanted = {"oai_dc"};
    for (const auto& prefix : settings_.metadata_prefixes) {
      if (std::find(wanted.begin(), wanted.end(), prefix) == wanted.end()) wanted.push_back(prefix);
    }
    std::vector<std::string> offered;
    for (const auto& prefix : wanted) {
      const bool found = std::any_of(response.formats.begin(), response.formats.end(),
                                     [&](const auto& format) { return format.metadata_prefix == prefix; });
      if (found) {
        offered.push_back(prefix);
      } else {
        missing_formats_ += (missing_formats_.empty() ? "" : ", ") + prefix;
      }
    }
    return offered;
  }

  // ListSets is informative (set names for serving): its failure is a warning.
  void list_sets() {
    std::vector<store::SetInfo> sets;
    LoopGuard guard(settings_.max_pages);
    Arguments arguments = {{"verb", "ListSets"}};
    try {
      while (true) {
        Fetched fetched = fetch(arguments);
        if (has_error(fetched.response, "noSetHierarchy")) break;
        Response response = expect("ListSets", std::move(fetched));
        std::vector<std::string> specs;
        for (auto& set : response.sets) {
          specs.push_back(set.set_spec);
          sets.push_back(std::move(set));
        }
        const std::string token = response.resumption_token ? response.resumption_token->value : "";
        if (token.empty()) break;
        if (const auto problem = guard.check_page(specs, token); !problem.empty()) {
          throw HarvestFailure(problem);
        }
        arguments = {{"verb", "ListSets"}, {"resumptionToken", token}};
      }
    } catch (const std::exception& error) {
      log_("warning", settings_.name + ": ListSets failed (" + error.what() +
                          "); set names will be missing");
      return;
    }
    store_.save_sets(source_id_, sets);
  }

  void harvest_list(const std::string& prefix, const std::string& set) {
    store::HarvestList list = store_.open_list(source_id_, prefix, set);
    if (settings_.full && list.checkpoint && list.checkpoint->window_from) {
      // An unfinished incremental list is no part of a full harvest.
      store_.drop_checkpoint(list.id);
      list.checkpoint.reset();
    }
    // Deletions a repository does not report persistently are found by a
    // full harvest of the whole repository (HV-11). A resumed list keeps its
    // sweep; a restarted one too, since what it saw is still true.
    if (settings_.full && set.empty() && !list.checkpoint &&
        (deleted_record_ == "no" || deleted_record_ == "transient")) {
      store_.start_sweep(list.id);
    }
    for (int restarts = 0;; ++restarts) {
      try {
        walk_list(list);
        return;
      } catch (const TokenRefused& refused) {
        if (restarts >= settings_.max_window_restarts) {
          throw HarvestFailure(std::string(refused.what()) + ", and the list was restarted " +
                               std::to_string(restarts) + " times already");
        }
        log_("warning", settings_.name + ": " + refused.what() + "; restarting the list");
        store_.drop_checkpoint(list.id);
        list.checkpoint.reset();
      }
    }
  }

  std::optional<std::string> watermark_from(const std::string& response_date) {
    const auto parsed = oai::Datestamp::parse(response_date);
    if (!parsed || parsed->granularity() != oai::Granularity::kSeconds) {
      log_("warning", settings_.name + ": responseDate '" + response_date +
                          "' is not UTC YYYY-MM-DDThh:mm:ssZ; the next harvest starts from the "
                          "previous watermark");
      return std::nullopt;
    }
    return parsed->with_granularity(granularity_).to_string();
  }

  void walk_list(store::HarvestList& list) {
    const std::string verb = settings_.list_identifiers ? "ListIdentifiers" : "ListRecords";
    Window window;
    std::string first_response_date;
    std::int64_t page_number = 0;
    std::string token;
    if (list.checkpoint) {
      window = {list.checkpoint->window_from, list.checkpoint->window_until};
      first_response_date = list.checkpoint->first_response_date;
      page_number = list.checkpoint->page_number;
      token = list.checkpoint->resumption_token;
      log_("info", settings_.name + ": resuming " + list.metadata_prefix + " at page " +
                       std::to_string(page_number + 1));
    } else {
      window = window_for(settings_.from ? settings_.from
                                         : (settings_.full ? std::nullopt : list.next_from),
                          settings_.until, granularity_);
    }
    Progress progress{settings_.name,
                      list.metadata_prefix + (list.set_spec.empty() ? "" : " set=" + list.set_spec),
                      describe(window)};
    LoopGuard guard(settings_.max_pages);
    // Pages are written on the pipeline's thread while the next is fetched;
    // leaving the list (also by an exception) writes what is queued first.
    PagePipelineScope pipeline(*this, progress);
    while (true) {
      Arguments arguments = {{"verb", verb}};
      if (token.empty()) {
        arguments.emplace_back("metadataPrefix", list.metadata_prefix);
        if (window.from) arguments.emplace_back("from", *window.from);
        if (window.until) arguments.emplace_back("until", *window.until);
        if (!list.set_spec.empty()) arguments.emplace_back("set", list.set_spec);
      } else {
        arguments.emplace_back("resumptionToken", token);
      }
      Fetched fetched = fetch(arguments);
      Response& response = fetched.response;
      if (first_response_date.empty()) first_response_date = response.response_date;

      store::HarvestedPage page;
      page.list_id = list.id;
      page.run_id = run_id_;
      page.response_date = response.response_date;
      page.bytes = fetched.bytes;
      if (!response.errors.empty()) {
        if (token.empty() && has_error(response, "noRecordsMatch")) {
          page.next_from = watermark_from(first_response_date);  // success (HV-12)
          pipeline.submit(std::move(page));
          pipeline.finish();
          return;
        }
        if (!token.empty() && has_error(response, "badResumptionToken")) {
          throw TokenRefused("the repository refused resumption token '" + token + "' (" +
                             first_error(response) + ")");
        }
        throw HarvestFailure(verb + " " + progress.list + " failed: " + first_error(response));
      }
      if (response.verb != verb) {
        throw HarvestFailure(verb + " was answered with <" + response.verb + ">");
      }
      page.records = settings_.list_identifiers ? get_records(response.records, list.metadata_prefix)
                                                : std::move(response.records);
      const std::string next_token =
          response.resumption_token ? response.resumption_token->value : std::string();
      std::vector<std::string> identifiers;
      identifiers.reserve(page.records.size());
      for (const auto& record : page.records) identifiers.push_back(record.identifier);
      if (const auto problem = guard.check_page(identifiers, next_token); !problem.empty()) {
        // Resuming at the looping token would only loop again: the next run
        // restarts the list from its from (HV-5).
        store().drop_checkpoint(list.id);
        throw HarvestFailure(problem);
      }
      ++page_number;
      if (next_token.empty()) {
        page.next_from = watermark_from(first_response_date);
      } else {
        page.continue_at = store::Checkpoint{window.from, window.until, first_response_date,
                                             next_token, page_number};
      }
      pipeline.submit(std::move(page));
      if (next_token.empty()) {
        pipeline.finish();
        return;
      }
      token = next_token;
    }
  }

  // For ListIdentifiers mode: each live header's record by GetRecord.
  std::vector<store::HarvestedRecord> get_records(std::vector<store::HarvestedRecord> headers,
                                                  const std::string& prefix) {
    std::vector<store::HarvestedRecord> records;
    for (auto& header : headers) {
      if (header.deleted) {
        records.push_back(std::move(header));
        continue;
      }
      Fetched fetched = fetch({{"verb", "GetRecord"}, {"identifier", header.identifier},
                               {"metadataPrefix", prefix}});
      if (!fetched.response.errors.empty() || fetched.response.records.size() != 1) {
        log_("warning", settings_.name + ": GetRecord " + header.identifier + " gave " +
                            (fetched.response.errors.empty() ? std::string("no record")
                                                             : first_error(fetched.response)));
        continue;
      }
      records.push_back(std::move(fetched.response.records.front()));
    }
    return records;
  }

  // Counts a written page; called on the pipeline's thread.
  void record_page(const store::HarvestedPage& page, const store::PageCounts& counts,
                   Progress& progress) {
    std::lock_guard lock(summary_mutex_);
    summary_.counts.created += counts.created;
    summary_.counts.updated += counts.updated;
    summary_.counts.deleted += counts.deleted;
    summary_.counts.unchanged += counts.unchanged;
    ++summary_.pages;
    ++progress.pages;
    progress.records += static_cast<std::int64_t>(page.records.size());
    progress.seconds = elapsed();
    if (progress_) progress_(progress);
  }

  // The store, once every page handed to the pipeline is written: the
  // pipeline's thread is the only one that may use it meanwhile.
  store::Store& store() {
    if (pipeline_) pipeline_->drain();
    return store_;
  }

  // The page pipeline of one list walk, in pipeline_ while it lasts.
  class PagePipelineScope {
   public:
    PagePipelineScope(SourceHarvest& harvest, Progress& progress) : harvest_(harvest) {
      harvest_.pipeline_ = std::make_unique<PagePipeline>(
          harvest_.store_,
          [this, &progress](const store::HarvestedPage& page, const store::PageCounts& counts) {
            harvest_.record_page(page, counts, progress);
          },
          kMaxQueuedBytes);
    }
    PagePipelineScope(const PagePipelineScope&) = delete;
    PagePipelineScope& operator=(const PagePipelineScope&) = delete;
    ~PagePipelineScope() { harvest_.pipeline_.reset(); }

    void submit(store::HarvestedPage page) {
      const bool large = page.bytes > kWriteAloneBytes;
      harvest_.pipeline_->submit(std::move(page));
      // A large page is written before the next is fetched: holding two at
      // once would double the memory of the largest (two pages of 60 MiB
      // took 496 MiB, one 274 MiB).
      if (large) harvest_.pipeline_->drain();
    }
    // Waits for the last page to be written, throwing what its write threw.
    void finish() { harvest_.pipeline_->drain(); }

   private:
    // Responses waiting to be written: a few ordinary pages (a parsed page
    // takes about three times its response's size), or one huge one.
    static constexpr std::size_t kMaxQueuedBytes = 1u << 20;
    // Responses larger than this are not overlapped with the next fetch.
    static constexpr std::uint64_t kWriteAloneBytes = 8u << 20;
    SourceHarvest& harvest_;
  };

  const SourceSettings& settings_;
  const LogFunction& log_;
  const ProgressFunction& progress_;
  store::Store store_;
  std::unique_ptr<PagePipeline> pipeline_;  // while a list is walked
  std::mutex summary_mutex_;                // summary_.counts and pages, progress
  OaiClient client_;
  std::string base_url_;           // where requests go now
  std::string declared_base_url_;  // Identify's, when it differs and looks usable
  oai::Granularity granularity_ = oai::Granularity::kDay;
  std::string deleted_record_;
  std::string missing_formats_;  // requested but not offered, comma-separated
  std::int64_t source_id_ = 0;
  std::int64_t run_id_ = 0;
  SourceSummary summary_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

SourceSummary harvest_source(const std::string& store_path, const SourceSettings& settings,
                             const LogFunction& log, const ProgressFunction& progress) {
  try {
    return SourceHarvest(store_path, settings, log, progress).run();
  } catch (const std::exception& error) {  // the store could not be opened or written
    SourceSummary summary;
    summary.source = settings.name;
    summary.error = error.what();
    return summary;
  }
}

}  // namespace harvester
