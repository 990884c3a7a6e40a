// Taskcluster URL building (taskcluster-lib-urls rules) and a small URL
// parser/resolver for the HTTP client.
//
// Paths and queries are kept exactly as given (already percent-encoded):
// the Hawk MAC covers the request target byte for byte, so nothing here
// decodes or re-encodes a path.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tc {

// The legacy deployment, whose services live on <service>.taskcluster.net.
constexpr const char* kLegacyRootUrl = "https://taskcluster.net";

// api(rootUrl, service, version, path):
//   <rootUrl without trailing slashes>/api/<service>/<version>/<path without leading slashes>
// and for the legacy root URL https://taskcluster.net:
//   https://<service>.taskcluster.net/<version>/<path>
std::string ApiUrl(const std::string& root_url, const std::string& service,
                   const std::string& version, const std::string& path);

// JavaScript's encodeURIComponent: everything but A-Z a-z 0-9 - _ . ! ~ * ' ( )
// is percent-encoded (UTF-8 bytes, uppercase hex).
std::string EncodeURIComponent(const std::string& s);

// Node's querystring.stringify: k=v pairs joined by '&', both escaped like
// encodeURIComponent. Empty input gives "".
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

// An absolute http(s) URL split into its parts.
struct ParsedUrl {
  std::string scheme;  // "http" or "https" (lowercased)
  std::string host;    // lowercased; IPv6 literals without brackets
  int port = 0;        // explicit or the scheme's default
  std::string target;  // path + query, starting with '/', fragment dropped

  // "scheme://host:port" (brackets around IPv6), identifies the origin.
  std::string Origin() const;
  // Full URL back (default ports omitted).
  std::string ToString() const;
};

// Parses an absolute http/https URL; nullopt if it is not one (no userinfo allowed).
std::optional<ParsedUrl> ParseUrl(const std::string& url);

// Resolves a redirect Location against the URL it came from (absolute,
// scheme-relative "//host/..", absolute-path "/..", or relative "x/y").
// nullopt if the result is not an http(s) URL.
std::optional<ParsedUrl> ResolveUrl(const ParsedUrl& base, const std::string& location);

// The URL without its query string (for logs: presigned URLs carry
// signatures) and without userinfo (user:password@ becomes <redacted>@).
std::string UrlForLog(const std::string& url);

}  // namespace tc
