from taskgraph.transforms.base import TransformSequence

# taskgraph.transforms.cached_tasks needs `label` before the task transforms
# derive it from `name` (taskgraph's docker_image/toolchain transforms set it
# themselves).
transforms = TransformSequence()


@transforms.add
def set_label(config, tasks):
    for task in tasks:
        if "label" not in task:
            task["label"] = "{}-{}".format(config.kind, task.pop("name"))
        task.setdefault("attributes", {})
        yield task
