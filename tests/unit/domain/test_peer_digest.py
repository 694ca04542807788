"""The digest of a matrix too wide to print, and the neighbour-table warning."""
from kubectl_ijob.domain import peer_digest, peers


def pair(s, t, code="ok", ms=None, ports=()):
    return peers.PairResult(s, t, code, ms, ["10.0.0.1"], "", [peers.PortResult(*p) for p in ports])


def matrix_of(n, fail=lambda s, t: None, method="icmp"):
    """An n x n matrix; fail(s, t) gives a failing pair's code, latencies grow along the rows."""
    pairs = [pair(s, t, fail(s, t) or "ok", None if fail(s, t) else 0.1 + (s * n + t) / 1000)
             for s in range(n) for t in range(n)]
    return peers.Matrix(method, list(range(n)), list(range(n)), pairs, {})


def test_digest_separates_rows_columns_and_scattered_pairs():
    from kubectl_ijob.render.documents import matrix_document

    broken = {(3, 1), (5, 6)}

    def fail(s, t):
        if s == 2:
            return "exec-failed"  # a source that cannot run anything
        if t == 7:
            return "timeout"  # a target nobody reaches
        return "refused" if (s, t) in broken else None
    m = matrix_of(8, fail)
    d = peer_digest.digest(m.pairs, m.sources, m.targets, top=2)
    assert d.rows == {2: "exec-failed"} and d.columns == {7: "timeout"}
    assert [(p.source, p.target) for p in d.scattered] == [(3, 1), (5, 6)]
    assert d.outcomes == {"ok": 47, "exec-failed": 8, "timeout": 7, "refused": 2}
    assert [(p.source, p.target) for p in d.slowest] == [(7, 6), (7, 5)]
    doc = matrix_document(m)["overview"]
    assert doc["failingSources"] == {"2": "exec-failed"} and doc["scattered"] == [[3, 1, "refused"], [5, 6, "refused"]]


def test_digest_when_everything_fails_blames_the_rows_only():
    m = matrix_of(4, lambda s, t: "exec-failed")
    d = peer_digest.digest(m.pairs, m.sources, m.targets)
    assert d.rows == {i: "exec-failed" for i in range(4)} and d.columns == {} and d.scattered == []
    assert d.slowest == []


def test_digest_of_a_healthy_matrix_is_counts_and_slowest():
    m = matrix_of(3)
    d = peer_digest.digest(m.pairs, m.sources, m.targets, top=1)
    assert (d.rows, d.columns, d.scattered, d.outcomes) == ({}, {}, [], {"ok": 9})
    assert [(p.source, p.target) for p in d.slowest] == [(2, 2)]


def test_timeouts_on_a_crowded_node_point_at_its_neighbour_table():
    timeouts = [pair(s, t, "timeout") for s, t in ((20, 31), (31, 20))]
    crowded = {i: "node-a" for i in range(32)}
    warning = peer_digest.neighbour_warning(timeouts, crowded)
    assert warning and "node node-a runs 32" in warning and "1056 neighbour (ARP) entries" in warning
    spread = {i: f"node-{i}" for i in range(32)}  # across nodes: routed, no mesh of ARP entries
    assert peer_digest.neighbour_warning(timeouts, spread) is None
    few = {i: "node-a" for i in range(4)}  # a small job: timeouts there are the network
    assert peer_digest.neighbour_warning([pair(1, 2, "timeout")], few) is None
    assert peer_digest.neighbour_warning([pair(0, 1, "refused")], crowded) is None
