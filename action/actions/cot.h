// Chain-of-Trust (CoT) analysis, shared by every action.
//
// Release tasks run on scriptworkers, which verify the artifacts they consume
// against the hashes their upstream tasks published (Chain of Trust). A task
// "consumes" another's artifacts when its payload names that taskId
// (payload.upstreamArtifacts[].taskId, or inside a string such as an artifact
// URL in env); a dependent that only lists it in `dependencies` waits for it
// but consumes nothing.
//
// Which tasks are CoT-relevant is decided by one data table (kCotRules in
// cot.cc): task kinds/labels/worker types of scriptworker task families
// (signing, beetmover, balrog, pushapk, notarization, shipit, ...), releng
// scopes, and explicit tags.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"

namespace tc {

// Why a task is CoT-relevant ("" when it is not), e.g. "kind build-signing
// matches 'signing'".
std::string CotReason(const JsonValue& definition);
inline bool IsCotRelevant(const JsonValue& definition) { return !CotReason(definition).empty(); }

// True when some string in v contains task_id (a whole value such as
// upstreamArtifacts[].taskId, or inside a longer string such as a URL).
bool MentionsTaskId(const JsonValue& v, const std::string& task_id);

// A dependent of some task, as the queue lists it ({status, task}).
struct Consumer {
  std::string task_id;
  std::string label;
  std::string state;
  bool cot_relevant = false;
  std::string cot_reason;
  bool ran = false;  // has a run that started (its verification already happened)
};

// The dependents (entries of listDependentTasks) whose payload consumes
// task_id's artifacts.
std::vector<Consumer> ConsumersOf(const std::string& task_id, const std::vector<Json>& dependents);

// "a (label), b (label)" for messages.
std::string DescribeConsumers(const std::vector<Consumer>& cs);
// Each consumer as "taskId (label)", for WarnList.
std::vector<std::string> ConsumerNames(const std::vector<Consumer>& cs);

}  // namespace tc
