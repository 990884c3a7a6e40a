// The journal of API requests the emulator answered (or reset), for tests
// and the demo to see what a client did: service, method, path, status, the
// authenticated client, whether a mutation took effect, and the injected
// fault, in arrival order (JournalEntry, emulator.h). Requests made on the
// emulator's own behalf (the hooks service's createTask) are journaled too.
//
// Thread-safe: one mutex; seq numbers are assigned under it.
#pragma once
#include <mutex>
#include <vector>

#include "core/json.h"
#include "emulator/emulator.h"

namespace tc::emu {

class Journal {
 public:
  void Record(JournalEntry e);  // assigns e.seq
  std::vector<JournalEntry> Entries() const;
  // [{seq, service, method, path, status, clientId, mutating, committed, fault, body?}]; body (mutating
  // requests only): the parsed JSON body, or the text when it is not JSON ("" when unread).
  Json ToJson() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::vector<JournalEntry> entries_;
  int64_t seq_ = 0;
};

}  // namespace tc::emu
