"""The official kubernetes client standing in for the plugin in the parity table, to
measure what switching transports would do to kubectl parity (docs/transport.md).

    IJOB_PARITY_PLUGIN="python -m benchmarks.official_client" python -m pytest tests/parity

Takes the plugin's global flags (--kubeconfig, --context, -n) and `list` or
`status NAME`, and sends the same GET through kubernetes.config + kubernetes.client,
as a plugin built on them would. Errors are printed as the plugin prints them.
"""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kubeconfig")
    parser.add_argument("--context")
    parser.add_argument("--cluster")
    parser.add_argument("--user")
    parser.add_argument("-n", "--namespace")
    parser.add_argument("verb")
    parser.add_argument("name", nargs="?")
    a = parser.parse_args(argv)
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException

    try:
        if a.kubeconfig or config.KUBE_CONFIG_DEFAULT_LOCATION:
            api = config.new_client_from_config(config_file=a.kubeconfig, context=a.context)
        _, active = config.list_kube_config_contexts(config_file=a.kubeconfig)
        ns = a.namespace or (active.get("context") or {}).get("namespace") or "default"
        batch = client.BatchV1Api(api)
        if a.verb == "status":
            batch.read_namespaced_job(a.name, ns, _preload_content=False)
        else:
            batch.list_namespaced_job(ns, limit=500, _preload_content=False)
    except ApiException as e:
        sys.stderr.write(f"Error from server ({e.reason}): {e.body}\n")
        return 1
    except Exception as e:  # noqa: BLE001 - a stand-in: every failure is one line
        sys.stderr.write(f"error: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
