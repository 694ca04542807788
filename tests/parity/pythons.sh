#!/usr/bin/env bash
# The unit suite and a krew-archive smoke test on every pyenv interpreter >= 3.9.
#
#   tests/parity/pythons.sh              # every pyenv 3.x >= 3.9
#   tests/parity/pythons.sh 3.9 3.13     # only these (prefixes of `pyenv versions --bare`)
#   PARITY=1 tests/parity/pythons.sh     # also the whole kubectl parity table per interpreter
#   IJOB_E2E_KUBECONFIG=... tests/parity/pythons.sh   # also the archive on that real cluster
#   SMOKE_ONLY=1 ...                     # only the archive smoke tests (no venv, no unit suite): CI
#
# Why: the archive claims python3 >= 3.9 and runs on whatever python3 the user has;
# Python 3.13 verifies X.509 strictly by default, 3.9 lacks newer syntax - one CI
# interpreter proves neither. Each interpreter gets a venv under
# $IJOB_CACHE/pythons/<version> with the runtime and unit-test dependencies (pip, first
# run only); the unit suite runs on the working tree (PYTHONPATH). The archive is built
# once (scripts/release.py's build, plugin.yaml untouched) and run with the bare
# interpreter, as krew users run it, by tests/parity/smoke.py (CA without keyUsage,
# token, NotFound, SOCKS5). Prints the time per interpreter; exit 1 if anything failed.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${IJOB_CACHE:-$HOME/.cache/kubectl-ijob}/pythons
HOST_PY=${HOST_PY:-python3}  # runs the build and the smoke harness (needs cryptography)
cd "$ROOT"
# pyenv as a login shell has it, also when CI's PATH lacks it
PATH=$PATH:${PYENV_ROOT:-$HOME/.pyenv}/bin

wanted=("$@")
versions=()
for v in $(pyenv versions --bare 2>/dev/null); do
    [[ $v =~ ^3\.([0-9]+)\.[0-9]+$ ]] && (( BASH_REMATCH[1] >= 9 )) || continue
    if (( ${#wanted[@]} )); then
        for w in "${wanted[@]}"; do [[ $v == "$w"* ]] && versions+=("$v"); done
    else
        versions+=("$v")
    fi
done
(( ${#versions[@]} )) || { echo "no pyenv interpreter >= 3.9 found" >&2; exit 1; }

deps=$("$HOST_PY" - <<'EOF'
import re, tomllib
p = tomllib.load(open("pyproject.toml", "rb"))["project"]
test = [d for d in p["optional-dependencies"]["test"] if re.match(r"(pytest|hypothesis)\b", d)]
print("\n".join(p["dependencies"] + test))
EOF
) || exit 1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$HOST_PY" -c "import sys; sys.path.insert(0, 'scripts'); import release, pathlib; \
release.build(pathlib.Path('$work'))" >/dev/null || { echo "archive build failed" >&2; exit 1; }
tar -xzf "$work/kubectl-ijob.tar.gz" -C "$work" kubectl-ijob

status=0
summary=()
for v in "${versions[@]}"; do
    py=$(pyenv root)/versions/$v/bin/python
    venv=$CACHE/$v
    start=$SECONDS
    echo "=== Python $v"
    if [[ -n ${SMOKE_ONLY:-} ]]; then  # CI: the archive on the bare interpreter only
        unit=0; setup=0
    elif [[ ! -x $venv/bin/python ]]; then
        "$py" -m venv "$venv" && mapfile -t reqs <<<"$deps" &&
            "$venv/bin/pip" install -q --disable-pip-version-check "${reqs[@]}" ||
            { echo "FAIL venv for $v"; status=1; summary+=("$v: venv failed"); continue; }
    fi
    if [[ -z ${SMOKE_ONLY:-} ]]; then
        setup=$((SECONDS - start))
        PYTHONPATH=$ROOT "$venv/bin/python" -m pytest tests/unit -q -p no:cacheprovider \
            --deselect tests/unit/test_release.py::test_sha256_matches_fresh_build 2>&1 |
            grep -E '^(FAILED|ERROR) |^[0-9]+ (passed|failed)|^(=+ )?[0-9]+ .*(passed|failed|error)'
        unit=${PIPESTATUS[0]}
    fi
    "$HOST_PY" -m tests.parity.smoke "$py" "$work/kubectl-ijob"
    smoke=$?
    if [[ -n ${IJOB_E2E_KUBECONFIG:-} ]]; then  # and on a real cluster: create, peers, ping, exec, delete
        "$HOST_PY" -m tests.parity.cluster_smoke "$IJOB_E2E_KUBECONFIG" \
            "${IJOB_E2E_IMAGE:-localhost/ijob-test/busybox:1.36}" "$py" "$work/kubectl-ijob" || smoke=1
    fi
    parity=0
    if [[ ${PARITY:-} == 1 ]]; then
        IJOB_PARITY_PLUGIN="$py $work/kubectl-ijob" "$HOST_PY" -m pytest tests/parity -q \
            -p no:cacheprovider 2>&1 | tail -2
        parity=${PIPESTATUS[0]}
    fi
    (( unit || smoke || parity )) && status=1
    summary+=("$v: unit $([[ -n ${SMOKE_ONLY:-} ]] && echo skipped || { [[ $unit == 0 ]] && echo ok || echo FAIL; }), smoke $([[ $smoke == 0 ]] \
&& echo ok || echo FAIL)$([[ ${PARITY:-} == 1 ]] && echo ", parity $([[ $parity == 0 ]] && echo ok \
|| echo FAIL)"), $((SECONDS - start))s (venv setup ${setup}s)")
done
echo "=== summary"
printf '%s\n' "${summary[@]}"
exit $status
