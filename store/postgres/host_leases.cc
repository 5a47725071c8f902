#include "store/host_leases.h"

#include <utility>

#include "store/backend.h"
#include "store/postgres/connection.h"

namespace store {

bool supports_host_leases(const std::string& name) { return is_postgres_url(name); }
namespace {

std::int64_t seconds(std::chrono::seconds value) { return value.count(); }

}  // namespace

HostLeases::HostLeases(const std::string& url, std::string worker, std::chrono::seconds lease)
    : connection_(std::make_unique<pg::Connection>(url)),
      worker_(std::move(worker)),
      lease_(lease) {
  connection_->exec("SET TIME ZONE 'UTC'");
}

HostLeases::HostLeases(HostLeases&&) noexcept = default;
HostLeases::~HostLeases() = default;

void HostLeases::register_sources(const std::vector<WorkerSource>& sources) {
  pg::Transaction transaction(*connection_);
  for (const auto& source : sources) {
    const auto id = connection_->run(
        "INSERT INTO sources (name, base_url, created_at) VALUES ($1, $2, $3) "
        "ON CONFLICT (name) DO UPDATE SET base_url = excluded.base_url RETURNING id",
        pg::Params().add(source.name).add(source.base_url).add(now_datestamp()));
    connection_->run("INSERT INTO host_leases (host) VALUES ($1) ON CONFLICT DO NOTHING",
                     pg::Params().add(source.host));
    connection_->run(
        "INSERT INTO worker_sources (source_id, host) VALUES ($1, $2) "
        "ON CONFLICT (source_id) DO UPDATE SET host = excluded.host",
        pg::Params().add(id.integer(0, 0)).add(source.host));
  }
  transaction.commit();
}

std::optional<HostClaim> HostLeases::claim(const std::vector<std::string>& names,
                                           std::chrono::seconds revisit) {
  pg::Transaction transaction(*connection_);
  // SKIP LOCKED: a host another worker is taking at this moment is passed
  // over, not waited for; once taken, its expiry time keeps it.
  const auto free = connection_->run(
      "SELECT l.host FROM host_leases l WHERE (l.expires_at IS NULL OR l.expires_at < now()) "
      "AND EXISTS (SELECT 1 FROM worker_sources w JOIN sources s ON s.id = w.source_id "
      "WHERE w.host = l.host AND s.name = ANY($1::text[]) "
      "AND (w.finished_at IS NULL OR w.finished_at < now() - make_interval(secs => $2))) "
      "ORDER BY l.host LIMIT 1 FOR UPDATE OF l SKIP LOCKED",
      pg::Params().array(names).add(seconds(revisit)));
  if (free.rows() == 0) return std::nullopt;
  HostClaim claim{free.text(0, 0), {}, 0};
  connection_->run(
      "UPDATE host_leases SET worker = $2, expires_at = now() + make_interval(secs => $3) "
      "WHERE host = $1",
      pg::Params().add(claim.host).add(worker_).add(seconds(lease_)));
  // A run still 'running' on a free host was a worker's that died.
  claim.interrupted_runs =
      connection_
          ->run(
              "UPDATE harvest_runs SET result = 'interrupted', ended_at = $2, "
              "error = 'the harvest worker stopped (its lease expired); resumed by another' "
              "WHERE result = 'running' AND source_id IN "
              "(SELECT source_id FROM worker_sources WHERE host = $1)",
              pg::Params().add(claim.host).add(now_datestamp()))
          .affected();
  const auto due = connection_->run(
      "SELECT s.name FROM worker_sources w JOIN sources s ON s.id = w.source_id "
      "WHERE w.host = $1 AND s.name = ANY($2::text[]) "
      "AND (w.finished_at IS NULL OR w.finished_at < now() - make_interval(secs => $3)) "
      "ORDER BY s.name",
      pg::Params().add(claim.host).array(names).add(seconds(revisit)));
  for (int row = 0; row < due.rows(); ++row) claim.sources.push_back(due.text(row, 0));
  transaction.commit();
  return claim;
}

bool HostLeases::renew(const std::string& host) {
  return connection_
             ->run(
                 "UPDATE host_leases SET expires_at = now() + make_interval(secs => $3) "
                 "WHERE host = $1 AND worker = $2",
                 pg::Params().add(host).add(worker_).add(seconds(lease_)))
             .affected() == 1;
}

void HostLeases::finish_source(const std::string& host, const std::string& source) {
  connection_->run(
      "UPDATE worker_sources SET finished_at = now() "
      "WHERE host = $1 AND source_id = (SELECT id FROM sources WHERE name = $2)",
      pg::Params().add(host).add(source));
}

void HostLeases::release(const std::string& host) {
  connection_->run(
      "UPDATE host_leases SET worker = NULL, expires_at = NULL WHERE host = $1 AND worker = $2",
      pg::Params().add(host).add(worker_));
}

bool HostLeases::any_due(const std::vector<std::string>& names, std::chrono::seconds revisit) {
  return connection_
      ->run(
          "SELECT EXISTS (SELECT 1 FROM worker_sources w JOIN sources s ON s.id = w.source_id "
          "WHERE s.name = ANY($1::text[]) "
          "AND (w.finished_at IS NULL OR w.finished_at < now() - make_interval(secs => $2)))",
          pg::Params().array(names).add(seconds(revisit)))
      .boolean(0, 0);
}

}  // namespace store
