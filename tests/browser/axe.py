"""axe-core (vendored: tests/browser/vendor/axe-core) run on a page the browser tests visit.

The script is evaluated through the DevTools protocol, so Sift's CSP (script-src 'self')
needs no exception. `violations(page)` runs axe's default rules (WCAG 2.0-2.2 A and AA and
best practices) and returns one line per violation and element.
"""

from __future__ import annotations

from pathlib import Path

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")

_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + " :: " + n.failureSummary.split("\\n").slice(1, 2).join(""))
  }));
}"""


def violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    found = page.evaluate(_RUN)
    return [f"{v['impact']} {v['id']} ({v['help']}): {node}" for v in found for node in v["nodes"]]
