#include "taskcluster/urls.h"

#include <cctype>

namespace tc {

namespace {

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string CleanRoot(const std::string& root) {
  size_t e = root.size();
  while (e > 0 && root[e - 1] == '/') --e;
  return root.substr(0, e);
}

std::string CleanPath(const std::string& path) {
  size_t b = 0;
  while (b < path.size() && path[b] == '/') ++b;
  return path.substr(b);
}

int DefaultPort(const std::string& scheme) { return scheme == "https" ? 443 : 80; }

}  // namespace

std::string ApiUrl(const std::string& root_url, const std::string& service,
                   const std::string& version, const std::string& path) {
  std::string root = CleanRoot(root_url);
  if (root == kLegacyRootUrl) {
    return "https://" + service + ".taskcluster.net/" + version + "/" + CleanPath(path);
  }
  return root + "/api/" + service + "/" + version + "/" + CleanPath(path);
}

std::string EncodeURIComponent(const std::string& s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' ||
        c == '\'' || c == '(' || c == ')') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += EncodeURIComponent(k) + "=" + EncodeURIComponent(v);
  }
  return out;
}

std::string ParsedUrl::Origin() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + h + ":" + std::to_string(port);
}

std::string ParsedUrl::ToString() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string s = scheme + "://" + h;
  if (port != DefaultPort(scheme)) s += ":" + std::to_string(port);
  return s + target;
}

std::optional<ParsedUrl> ParseUrl(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  ParsedUrl u;
  u.scheme = Lower(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
  size_t auth_start = sep + 3;
  size_t auth_end = url.find_first_of("/?#", auth_start);
  if (auth_end == std::string::npos) auth_end = url.size();
  std::string authority = url.substr(auth_start, auth_end - auth_start);
  if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;
  for (unsigned char c : authority) {
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;
  }
  std::string port_str;
  if (authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos || close == 1) return std::nullopt;
    u.host = authority.substr(1, close - 1);
    std::string rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return std::nullopt;
      port_str = rest.substr(1);
      if (port_str.empty()) return std::nullopt;
    }
  } else {
    size_t colon = authority.rfind(':');
    if (colon != std::string::npos) {
      u.host = authority.substr(0, colon);
      port_str = authority.substr(colon + 1);
      if (port_str.empty()) return std::nullopt;
    } else {
      u.host = authority;
    }
    if (u.host.empty() || u.host.find_first_of(":[]") != std::string::npos) return std::nullopt;
  }
  for (unsigned char c : u.host) {
    bool ok = authority[0] == '['
                  ? (std::isxdigit(c) || c == ':' || c == '.')
                  : (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~');
    if (!ok) return std::nullopt;
  }
  u.host = Lower(u.host);
  if (!port_str.empty()) {
    if (port_str.size() > 5) return std::nullopt;
    int p = 0;
    for (char c : port_str) {
      if (c < '0' || c > '9') return std::nullopt;
      p = p * 10 + (c - '0');
    }
    if (p <= 0 || p > 65535) return std::nullopt;
    u.port = p;
  } else {
    u.port = DefaultPort(u.scheme);
  }
  std::string target = url.substr(auth_end);
  size_t hash = target.find('#');
  if (hash != std::string::npos) target.resize(hash);
  if (target.empty() || target[0] != '/') target = "/" + target;
  u.target = target;
  return u;
}

std::optional<ParsedUrl> ResolveUrl(const ParsedUrl& base, const std::string& location) {
  // Trim surrounding whitespace.
  size_t b = 0, e = location.size();
  while (b < e && std::isspace(static_cast<unsigned char>(location[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(location[e - 1]))) --e;
  std::string loc = location.substr(b, e - b);
  if (loc.empty()) return std::nullopt;
  size_t colon = loc.find(':');
  size_t first_special = loc.find_first_of("/?#");
  if (colon != std::string::npos && (first_special == std::string::npos || colon < first_special)) {
    return ParseUrl(loc);  // has a scheme
  }
  if (loc.size() >= 2 && loc[0] == '/' && loc[1] == '/') return ParseUrl(base.scheme + ":" + loc);
  ParsedUrl u = base;
  size_t hash = loc.find('#');
  if (hash != std::string::npos) loc.resize(hash);
  if (loc.empty()) return u;
  if (loc[0] == '/') {
    u.target = loc;
  } else if (loc[0] == '?') {
    u.target = base.target.substr(0, base.target.find('?')) + loc;
  } else {
    std::string path = base.target.substr(0, base.target.find('?'));
    u.target = path.substr(0, path.rfind('/') + 1) + loc;
  }
  return u;
}

std::string UrlForLog(const std::string& url) {
  size_t q = url.find('?');
  std::string out = q == std::string::npos ? url : url.substr(0, q) + "?...";
  // userinfo (user:password@) never leaves: scheme://<redacted>@host
  const size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    const size_t start = scheme_end + 3;
    const size_t end = out.find_first_of("/#", start);
    const size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= start && (end == std::string::npos || at < end)) {
      out.replace(start, at - start, "<redacted>");
    }
  }
  return out;
}

}  // namespace tc
