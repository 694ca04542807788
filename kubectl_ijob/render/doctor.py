"""doctor's findings for people: ranked, each with its evidence and the next step, and
one closing line that says how many of each severity (or that nothing is wrong)."""
from __future__ import annotations

from typing import Optional

from kubectl_ijob.domain.doctor import SEVERITIES, Finding
from kubectl_ijob.domain.peers import Matrix
from kubectl_ijob.render.colour import paint
from kubectl_ijob.render.matrix import matrix_summary

_COLOUR = {"error": "red", "warning": "yellow", "info": "grey"}
INDENT = " " * 9  # under the title, past `WARNING  `


def findings_summary(findings: list[Finding]) -> str:
    """`2 errors, 1 warning, 1 info` or `no problems found`."""
    parts = []
    for sev in SEVERITIES:
        n = sum(1 for f in findings if f.severity == sev)
        if n:
            parts.append(f"{n} {sev}" + ("s" if n != 1 and sev != "info" else ""))
    return ", ".join(parts) or "no problems found"


def finding_lines(f: Finding, colour: bool) -> list[str]:
    """One finding: SEVERITY and title, then its evidence, then what to do next."""
    head = paint(f.severity.upper().ljust(len(INDENT)), _COLOUR[f.severity], colour) + f.title
    return [head.rstrip()] + [INDENT + e for e in f.evidence] + \
        [INDENT + "-> " + n for n in f.next]


def ping_phrase(ping: Optional[Matrix], asked: bool) -> str:
    """What the peer matrix said, or why there is none."""
    if ping is not None:
        return f"ping {matrix_summary(ping)}"
    return "ping: no running pod to probe" if asked else "no ping"


def doctor_text(name: str, findings: list[Finding], checks: int, ping: Optional[Matrix],
                asked: bool = True, colour: bool = False) -> str:
    """Every finding, most severe first, then `job.batch/NAME: <summary> - <what ran>`."""
    lines: list[str] = []
    for f in findings:
        lines += finding_lines(f, colour) + [""]
    ran = f"{checks} checks; {ping_phrase(ping, asked)}"
    lines.append(f"job.batch/{name}: {findings_summary(findings)} - {ran}")
    return "\n".join(lines)
