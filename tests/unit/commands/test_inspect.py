"""status -w's watch loop over a fake client."""
from kubectl_ijob.commands.inspect import watch

from ..fakes import FakeClient
from ..objects import job, pod


class WatchClient(FakeClient):
    """Serves a job that finishes after a pod event, with a 410 Gone in between."""

    def __init__(self):
        super().__init__()
        self.gets = 0
        self.watches = []

    def get_job(self, name, namespace=None):
        self.gets += 1
        done = self.gets >= 4
        return job(completions=1, conditions=[{"type": "Complete", "status": "True"}] if done else [])

    def list_pods(self, selector, namespace=None, view=None):
        from kubectl_ijob.client.transport import Listing

        return Listing([view(pod(0)) if view else pod(0)], f"rv{self.gets}")

    def get_service(self, name, namespace=None):
        return None

    def watch_pods(self, selector, resource_version, namespace=None, timeout=300):
        self.watches.append(resource_version)
        if len(self.watches) == 1:
            yield {"type": "ERROR", "object": {"kind": "Status", "code": 410}}
            return
        yield {"type": "MODIFIED", "object": pod(0, "Succeeded")}


def test_watch_relists_after_gone_and_stops_when_finished():
    kube = WatchClient()
    seen = []
    model = watch(kube, "example-job", lambda s: seen.append(s), sleep=lambda s: None)
    assert len(kube.watches) == 2
    assert model.job["status"]["conditions"][0]["type"] == "Complete"
    assert len(seen) >= 3


def test_each_watch_starts_at_the_pods_list_resource_version():
    kube = WatchClient()
    watch(kube, "example-job", lambda s: None, sleep=lambda s: None)
    # the first watch starts where the first pods LIST was read; after the 410 the
    # pods are listed again and the next watch starts at that LIST's version
    assert kube.watches == ["rv1", "rv2"]
