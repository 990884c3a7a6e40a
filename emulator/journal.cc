// The request journal: see journal.h.
#include "emulator/journal.h"

namespace tc::emu {

void Journal::Record(JournalEntry e) {
  std::lock_guard<std::mutex> l(mu_);
  e.seq = ++seq_;
  entries_.push_back(std::move(e));
}

std::vector<JournalEntry> Journal::Entries() const {
  std::lock_guard<std::mutex> l(mu_);
  return entries_;
}

Json Journal::ToJson() const {
  Json d(rapidjson::kArrayType);
  auto& a = d.GetAllocator();
  std::lock_guard<std::mutex> l(mu_);
  for (auto& e : entries_) {
    JsonValue o(rapidjson::kObjectType);
    o.AddMember("seq", e.seq, a);
    o.AddMember("service", Str(e.service, a), a);
    o.AddMember("method", Str(e.method, a), a);
    o.AddMember("path", Str(e.path, a), a);
    o.AddMember("status", e.status, a);
    o.AddMember("clientId", e.client_id ? Str(*e.client_id, a) : JsonValue(), a);
    o.AddMember("mutating", e.mutating, a);
    o.AddMember("committed", e.committed, a);
    o.AddMember("fault", e.fault ? Str(*e.fault, a) : JsonValue(), a);
    if (e.mutating) {
      auto parsed = e.body.empty() ? std::nullopt : TryParseJson(e.body, nullptr);
      o.AddMember("body", parsed ? CopyValue(*parsed, a) : Str(e.body, a), a);
    }
    d.PushBack(o, a);
  }
  return d;
}

void Journal::Clear() {
  std::lock_guard<std::mutex> l(mu_);
  entries_.clear();
}

}  // namespace tc::emu
