// The emulator's Index service, in memory, following services/index (v106):
// src/api.js (findTask, listTasks, listNamespaces, insertTask,
// findArtifactFromTask), src/helpers.js (insertTask, ensureNamespace,
// serialize), src/handlers.js (indexing on task-completed) and the DB
// functions (db/fns.md: get_indexed_task(s), get_index_namespaces).
//
// Semantics:
//  - An index path "a.b.c" is namespace "a.b" + name "c". insertTask stores
//    the entry unless the stored one has a higher rank (equal rank: the new
//    one wins); the stored entry counts even when expired (until the daily
//    expiry job, which the emulator does not run: expired entries stay and
//    are never listed or found).
//  - Every parent namespace exists with an expiry: the entry's expiry rounded
//    up to the next midnight (UTC), one more day per level up (ensureNamespace
//    rounds again at each level), and extended, never shortened.
//  - findTask: ResourceNotFound "Indexed task not found" when missing or
//    expired (expires <= now). listTasks / listNamespaces: the entries
//    directly below a namespace that have not expired, ordered by name
//    (bytewise; the real order is the database collation's), paged as
//    lib-api pages (paging.h).
//  - findTasksAtIndex (POST tasks/indexes {indexes}): the DB function
//    get_tasks_from_indexes_and_namespaces: for each input path (in input
//    order; a duplicate path answers twice), the entry stored at it, 0 or 1
//    row; a path without a dot matches nothing; expired entries are NOT left
//    out (the function has no expiry condition), paged like listTasks.
//  - When a task completes, each of its routes `index.<namespace>` (valid
//    namespaces only) is indexed with task.extra.index.rank (default 0),
//    .expires (default the task's expires) and .data (default {}); nothing
//    is indexed when rank is not a whole number or data is not an object or
//    array, or expires is not a time (the real handler fails on those).
//  - data is returned with its keys in Postgres jsonb order, except in the
//    reply to the insertTask that created the entry (which echoes the input).
//
// Time: the emulator clock (`now`), so AdvanceClock expires entries.
// Thread-safety: every public method is thread-safe (one mutex). The queue
// calls TaskCompleted with its own lock held, so TaskCompleted and
// InsertTask never read the clock (which is the queue's) and the index never
// calls the queue.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/json.h"
#include "taskcluster/queue.h"

namespace tc::emu {

// helpers.js namespaceFormat
inline constexpr const char* kNamespaceRe = "^([a-zA-Z0-9_!~*'()%-]+\\.)*[a-zA-Z0-9_!~*'()%-]+$";
bool IsIndexNamespace(const std::string& s);

class IndexService {
 public:
  explicit IndexService(std::function<int64_t()> now_ms);

  // insertTask; returns the entry now at the path (serialized).
  Json InsertTask(const std::string& index_path, const std::string& task_id, int64_t rank, const JsonValue& data,
                  int64_t expires_ms);
  Json FindTask(const std::string& index_path) const;
  Json ListTasks(const std::string& ns, const Page& page, int default_page_size) const;
  Json ListNamespaces(const std::string& ns, const Page& page, int default_page_size) const;
  // findTasksAtIndex: {tasks: [...], continuationToken?}.
  Json FindTasksAtIndexes(const std::vector<std::string>& index_paths, const Page& page, int default_page_size) const;

  // handlers.js completed(): indexes the task's `index.<namespace>` routes.
  void TaskCompleted(const std::string& task_id, const JsonValue& definition);

  // Every entry, expired ones included, ordered by path (for the control endpoint).
  Json Dump() const;

 private:
  struct Entry {
    int64_t rank = 0;
    std::string task_id;
    Json data;
    int64_t expires = 0;
  };
  using Key = std::pair<std::string, std::string>;  // (namespace or parent, name)
  Json Serialize(const Key& k, const Entry& e) const;
  void EnsureNamespace(std::vector<std::string> parts, int64_t expires);

  std::function<int64_t()> now_;
  mutable std::mutex mu_;
  std::map<Key, Entry> tasks_;
  std::map<Key, int64_t> namespaces_;
};

}  // namespace tc::emu
