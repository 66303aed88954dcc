"""axe-core in the browser tests: the WCAG 2.0 and 2.1 A/AA rules run in the page as a screen
reader and a keyboard would meet it.

axe-core is vendored for the tests only (tests/browser/vendor/axe.min.js, MPL-2.0, from the npm
package); it is evaluated through the DevTools protocol, so the app's Content-Security-Policy,
which forbids inline scripts, needs no exception for it.
"""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> list[str]:
    """Every WCAG A/AA violation on the page as it is now, one line each: rule, help text and
    the first elements it was found on."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_AA
    )
    lines = []
    for violation in result["violations"]:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:3])
        lines.append(f"{page.url}: {violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines
