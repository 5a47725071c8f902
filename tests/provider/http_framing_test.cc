// Response framing, request targets and the access-log line, without sockets.
#include "provider/http_framing.h"

#include <gtest/gtest.h>

namespace provider {
namespace {

TEST(ResponseHead, FramesTheBodyAndKeepsOnlyTheHandlersSafeFields_H6) {
  HttpResponse response;
  response.status = 503;
  response.headers = {{"Retry-After", "5"},
                      {"Content-Length", "999"},             // the server's own
                      {"X-Injected", "a\r\nSet-Cookie: x"},  // CR LF in a value
                      {"Bad:Name", "x"}};
  const auto head = response_head(response, {11, false, "gzip", 1234});
  EXPECT_EQ(head,
            "HTTP/1.1 503 Service Unavailable\r\n"
            "Retry-After: 5\r\n"
            "Content-Type: text/xml; charset=UTF-8\r\n"
            "Vary: Accept-Encoding\r\n"
            "Content-Encoding: gzip\r\n"
            "Content-Length: 1234\r\n\r\n");
}

TEST(ResponseHead, ConnectionFieldOnlyWhereTheVersionsDefaultDiffers) {
  HttpResponse response;
  EXPECT_NE(response_head(response, {11, true, "", 0}).find("Connection: close\r\n"),
            std::string::npos);
  EXPECT_EQ(response_head(response, {11, false, "", 0}).find("Connection:"), std::string::npos);
  const auto old = response_head(response, {10, false, "", 0});
  EXPECT_EQ(old.rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
  EXPECT_NE(old.find("Connection: keep-alive\r\n"), std::string::npos);
  EXPECT_EQ(response_head(response, {10, true, "", 0}).find("Connection:"), std::string::npos);
}

TEST(ResponseHead, ReasonPhrases) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(404), "Not Found");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(299), "Unknown");
  EXPECT_TRUE(is_server_owned_header("TRANSFER-encoding"));
  EXPECT_FALSE(is_server_owned_header("Retry-After"));
}

TEST(SplitTarget, OriginAndAbsoluteForms) {
  EXPECT_EQ(split_target("/oai?verb=Identify"),
            (std::pair<std::string, std::string>{"/oai", "verb=Identify"}));
  EXPECT_EQ(split_target("/oai"), (std::pair<std::string, std::string>{"/oai", ""}));
  EXPECT_EQ(split_target("http://h:8080/oai?a=b?c"),
            (std::pair<std::string, std::string>{"/oai", "a=b?c"}));
  EXPECT_EQ(split_target("http://h"), (std::pair<std::string, std::string>{"/", ""}));
  // A query that contains "://" is not an absolute form.
  EXPECT_EQ(split_target("/oai?url=http://x/y"),
            (std::pair<std::string, std::string>{"/oai", "url=http://x/y"}));
}

TEST(AccessLogLine, NamesEveryPartInOrder) {
  EXPECT_EQ(access_log_line("2026-11-29T21:01:46Z", "127.0.0.1:41714", "GET", "/oai",
                            "verb=Identify", 200, 297, 1.62),
            "2026-11-29T21:01:46Z 127.0.0.1:41714 GET /oai verb=Identify 200 297 1.6ms");
  EXPECT_EQ(access_log_line("t", "c", "POST", "/x", "", 404, 0, 0.04), "t c POST /x - 404 0 0.0ms");
  EXPECT_EQ(std::string(utc_timestamp()).size(), 20u);
}

TEST(TextResponse, IsPlainTextWithANewline) {
  const auto response = text_response(408, "Request Timeout");
  EXPECT_EQ(response.status, 408);
  EXPECT_EQ(response.content_type, "text/plain; charset=UTF-8");
  EXPECT_EQ(response.body, "Request Timeout\n");
}

}  // namespace
}  // namespace provider
