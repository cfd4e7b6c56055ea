"""The digest archive and the mapping report opened in headless Chromium at a phone's and a laptop's width:
nothing may run past its column or the viewport (a page script measures every element, Chromium prints the DOM).

Headless Chromium keeps its window at least 500 px wide, so each page is opened in a frame of the width wanted
(the frame is the page's viewport: its media queries and widths are the phone's) and reports to the outer page."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assistant.analysis.digest import ChatContext, build_digest
from assistant.analysis.mapping.analyse import analyse
from assistant.analysis.mapping.graph import build_graph
from assistant.analysis.recurring import detect_recurring_chats
from assistant.render import mapping_files
from assistant.render.digest_chart import timeline_png
from assistant.render.digest_html import archive_bytes
from integrations.normalized import Metrics, NormalizedAccount, NormalizedPost

WIDTHS = (375, 1280)
START = datetime(2026, 3, 12, 21, 0, tzinfo=UTC)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Every visible element inside the page's width, and inside its parent's box unless an ancestor scrolls or clips;
# the findings are written into the DOM that Chromium prints.
CHECK = """
<script>
(function () {
  var vw = document.documentElement.clientWidth, found = [];
  function name(el) {
    return el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ").join(".") : "")
      + " '" + (el.textContent || "").trim().slice(0, 40) + "'";
  }
  function clipped(el) {
    for (var a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX !== "visible") return true;
    }
    return false;
  }
  if (document.documentElement.scrollWidth > vw + 1) {
    found.push("the page scrolls sideways: " + document.documentElement.scrollWidth + " px wide");
  }
  var all = document.body.querySelectorAll("*");
  for (var i = 0; i < all.length; i++) {
    var el = all[i], r = el.getBoundingClientRect();
    if ((r.width === 0 && r.height === 0) || clipped(el) || el.tagName === "SCRIPT") continue;
    if (r.right > vw + 1) found.push(name(el) + " ends at " + Math.round(r.right) + " px, past the viewport");
    var p = el.parentElement;
    if (p && p !== document.body) {
      var q = p.getBoundingClientRect();
      if (r.right > q.right + 1 || r.left < q.left - 1) found.push(name(el) + " runs out of " + name(p));
    }
  }
  parent.document.getElementById("layout-report").textContent = JSON.stringify({width: vw, problems: found.slice(0, 20)});
})();
</script>
"""

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed here (CI installs Debian's chromium in .ci/run)"
)


def _chromium(*args: str) -> str:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--allow-file-access-from-files",  # the framed page reports to the outer one (both file: URLs)
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _framed(page: Path, width: int, height: int, *, checked: bool) -> Path:
    """An outer page showing `page` in a frame `width` px wide (with the check script added when `checked`)."""
    inner = page.with_name(f"{page.stem}-{width}.html")
    text = page.read_text(encoding="utf-8")
    inner.write_text(text.replace("</body>", CHECK + "</body>") if checked else text, encoding="utf-8")
    outer = page.with_name(f"{page.stem}-frame-{width}.html")
    outer.write_text(
        '<!doctype html><html><body style="margin:0"><pre id="layout-report"></pre>'
        f'<iframe src="{inner.name}" style="width:{width}px;height:{height}px;border:0"></iframe></body></html>',
        encoding="utf-8",
    )
    return outer


def layout_problems(page: Path, width: int) -> list[str]:
    """What overflows on `page` at `width` px, as the check script finds it in Chromium."""
    dom = _chromium("--window-size=1400,1000", "--dump-dom", _framed(page, width, 900, checked=True).as_uri())
    match = re.search(r'<pre id="layout-report">(.*?)</pre>', dom, re.S)
    assert match, "the check script did not run"
    report = json.loads(match.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))
    assert report["width"] == width
    return list(report["problems"])


def screenshot(page: Path, width: int, out: Path) -> Path:
    """A picture of the top of the page at `width` px (for people to look at; the test does not read it)."""
    _chromium(f"--window-size={width},2400", f"--screenshot={out}", _framed(page, width, 2400, checked=False).as_uri())
    return out


def _post(n: int, text: str, **kw: object) -> NormalizedPost:
    return NormalizedPost(
        "x",
        str(1000 + n),
        str(kw.pop("author", n % 7)),
        START + timedelta(minutes=n),
        text,
        author_handle=str(kw.pop("handle", f"participant_with_a_long_handle_{n % 7}")),
        metrics=Metrics(likes=n % 5),
        **kw,  # type: ignore[arg-type]
    )


def archive_page(tmp_path: Path) -> Path:
    long_url = "https://www.example.org/reports/2026/further-education/skills-and-apprenticeships-in-wales-final.pdf"
    posts = [
        _post(0, "Welcome to #edchat! Tonight: feedback that works", author="h", handle="edchat_host", hashtags=["edchat"])
    ]
    for q in (1, 2, 3):
        posts.append(
            _post(q * 10, f"Q{q} A question about feedback number {q}? #edchat", author="h", handle="edchat_host",
                  hashtags=["edchat"], kind="reply", reply_to_post_id="1000")
        )
        for a in range(1, 8):
            posts.append(
                _post(q * 10 + a, f"A{q} an answer with a link {long_url}?v={a} and Pneumonoultramicroscopicsilicovolcanoconiosis #edchat #UKEdChat",
                      hashtags=["edchat", "ukedchat"], urls=[f"{long_url}?v={a}", "https://bit.ly/3xYzAbC"])
            )
        posts.append(_post(q * 10 + 8, "An untagged reply in the thread", kind="reply", reply_to_post_id=str(1000 + q * 10)))
    # a tagged answer to an outside post: the outside post is shown greyed above it, as context
    outside = NormalizedPost("x", "900", "o", START - timedelta(days=1), f"An outside post about funding {long_url}",
                             author_handle="an_outside_account_with_a_long_handle", url="https://x.com/o/status/900")
    posts.append(_post(19, "A1 replying to that outside post #edchat", hashtags=["edchat"], kind="reply",
                       reply_to_post_id="900"))
    posts.sort(key=lambda p: p.created_at)
    chat = build_digest(posts, ChatContext(hashtag="edchat", start=START, end=START + timedelta(hours=1),
                                           timezone="Europe/London", host_handle="edchat_host",
                                           outside_parents={("x", "900"): outside}))
    assert b'class="post outside"' in archive_bytes(chat)
    page = tmp_path / "archive.html"
    page.write_bytes(archive_bytes(chat, chart_png=timeline_png(chat.figures)))
    return page


def mapping_page(tmp_path: Path) -> Path:
    rng = random.Random(3)
    accounts = [
        NormalizedAccount("x", str(i), f"further_education_account_{i}",
                          f"An organisation with a long display name number {i}",
                          bio=f"{('skills', 'apprenticeships', 'colleges', 'schools')[i % 4]} in Wales and beyond")
        for i in range(60)
    ]
    follows = [(str(i), str(j)) for i in range(60) for j in rng.sample(range(60), 6) if i != j]
    posts = [
        NormalizedPost("x", f"p{w}{n}", str(n), START + timedelta(weeks=w, minutes=n), "#ukfechat tonight",
                       author_handle=f"further_education_account_{n}", hashtags=["ukfechat"])
        for w in range(4) for n in range(12)
    ]
    mapped = build_graph(accounts, posts, follows, [str(i) for i in range(5)])
    slots = detect_recurring_chats([("ukfechat", p.created_at, p.author_id, p.text) for p in posts], tz="Europe/London")
    page = tmp_path / "report.html"
    page.write_bytes(
        mapping_files.html_report(title="Further education skills in Wales and the apprenticeship levy review",
                                  analysis=analyse(mapped), slots=slots, problems=[], picture_png=None)
    )
    return page


@pytest.mark.parametrize("width", WIDTHS)
def test_the_archive_page_fits_its_columns(tmp_path: Path, width: int) -> None:
    assert layout_problems(archive_page(tmp_path), width) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_mapping_report_fits_its_columns(tmp_path: Path, width: int) -> None:
    assert layout_problems(mapping_page(tmp_path), width) == []


def test_the_check_finds_an_overflow(tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_text('<!doctype html><html><head><meta name="viewport" content="width=device-width"></head><body>'
                    '<div style="width:10rem"><table><tr><td>' + "x" * 200 + "</td></tr></table></div></body></html>")
    problems = layout_problems(page, 375)
    assert any("past the viewport" in p for p in problems) and any("runs out of div" in p for p in problems)
