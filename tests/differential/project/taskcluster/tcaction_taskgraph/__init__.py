# `taskgraph.register` hook of the differential-tier graph config.  taskgraph
# puts taskcluster/ on sys.path and calls register(graph_config) before it
# generates a graph or runs an action callback.  Importing
# .worker_types registers the `scriptworker-signing` payload builder (taskgraph
# 24.2.0 ships docker-worker, generic-worker, beetmover, succeed, ... but no
# signing one; Gecko and mobile projects register theirs the same way).


def register(graph_config):
    from . import worker_types  # noqa: F401
