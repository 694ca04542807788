"""status -w's watch loop over a fake client."""
from kubectl_ijob.commands.watching import watch

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


class WindowClient(FakeClient):
    """Two quiet watch windows (a bookmark, then the same pod changing), then the Job ends."""

    def __init__(self):
        super().__init__()
        self.gets, self.lists, self.services, self.watches = 0, 0, 0, []

    def get_job(self, name, namespace=None):
        self.gets += 1
        done = len(self.watches) >= 3
        return job(completions=2, conditions=[{"type": "Complete", "status": "True"}] if done else [])

    def list_pods(self, selector, namespace=None, view=None):
        from kubectl_ijob.client.transport import Listing

        self.lists += 1
        return Listing([view(pod(0)), view(pod(1))], "rv-list")

    def get_service(self, name, namespace=None):
        self.services += 1
        return None

    def watch_pods(self, selector, resource_version, namespace=None, timeout=300):
        self.watches.append(resource_version)
        if len(self.watches) == 1:
            yield {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "rv-b"}}}
        elif len(self.watches) == 2:
            for rv in ("rv-1", "rv-2"):
                changed = pod(1, "Succeeded")
                changed["metadata"].update(resourceVersion=rv, managedFields=[{"manager": "m"}])
                yield {"type": "MODIFIED", "object": changed}


def test_a_closed_window_resumes_the_watch_without_listing_again():
    kube = WindowClient()
    seen = []
    watch(kube, "example-job", seen.append, sleep=lambda s: None)
    assert kube.lists == 1  # 47 MiB at 10,000 pods: listed once, not every window
    assert kube.watches == ["rv-list", "rv-b", "rv-2"]  # each from the last version seen
    assert kube.services >= 3  # the Service (and its EndpointSlices) are read each window
    last = seen[-1]
    assert [p["metadata"]["name"] for p in last.pods] == ["example-job-0-abcde",
                                                          "example-job-1-abcde"]
    assert last.pods[1]["status"]["phase"] == "Succeeded"  # replaced by uid, not appended
    assert all("managedFields" not in p["metadata"] for p in last.pods)  # kept projected


class BurstClient(WindowClient):
    """Five changes of pod 1 at once in the first window; the Job ends in the second."""

    def get_job(self, name, namespace=None):
        self.gets += 1
        done = len(self.watches) >= 2
        return job(completions=2, conditions=[{"type": "Complete", "status": "True"}] if done else [])

    def watch_pods(self, selector, resource_version, namespace=None, timeout=300):
        self.watches.append(resource_version)
        if len(self.watches) == 1:
            for n in range(5):
                changed = pod(1, "Running", restarts=n)
                changed["metadata"]["resourceVersion"] = f"rv-{n}"
                yield {"type": "MODIFIED", "object": changed}


def test_events_that_arrive_during_a_redraw_are_drawn_together():
    import time

    kube = BurstClient()
    seen = []
    watch(kube, "example-job", lambda m: (seen.append(m), time.sleep(0.2)), sleep=lambda s: None)
    # one per event would be 1 + 5 + 2 (the first draw, the events, two closed windows)
    assert len(seen) <= 5
    assert kube.watches == ["rv-list", "rv-4"]
    assert seen[-1].pods[1]["status"]["containerStatuses"][0]["restartCount"] == 4
